#include <catch2/catch.hpp>

#include "sim/pipeline/pipeline.hpp"
#include "sim/scenario/scenario.hpp"
#include "support/identities.hpp"
#include "support/worlds.hpp"

using namespace chipsim;

namespace {
// A small supply chain: Nvidia (US) and Huawei (CN) build accelerators from HBM bought from
// SK hynix (KR, HBM3) and CXMT (CN, HBM2, small). Optional: a US rule denying HBM to China.
std::string hbm_world(const std::string& extra, double huawei_stock = 0, double stockpile_months = 0) {
  return R"(
[scenario]
name = "hbm"
start = "2024-01"
horizon = "2025-12"
seed = 3
[parameters]
hbm_generations = ["HBM2", "HBM2E", "HBM3"]
[[country]]
code = "US"
[[country]]
code = "KR"
[[country]]
code = "CN"
[[firm]]
name = "Nvidia"
home = "US"
kind = "accelerator"

[[firm]]
name = "Huawei"
home = "CN"
kind = "accelerator"

hbm_stockpile_months = )" + std::to_string(stockpile_months) + R"(
[[firm]]
name = "SK_hynix"
home = "KR"
kind = "hbm"
[[firm]]
name = "CXMT"
home = "CN"
kind = "hbm"
[[product]]
name = "H100"
kind = "accelerator"
owner = "Nvidia"
launch = "2020-01"
tpp = 15832
hbm_stacks = 5
hbm_generation_min = "HBM3"
appeal = 3
marginal_cost_usd = 4000
capacity_units_per_month = 50000
[[product]]
name = "Ascend"
kind = "accelerator"
owner = "Huawei"
launch = "2020-01"
tpp = 5120
hbm_stacks = 4
hbm_generation_min = "HBM2"
initial_hbm_stock_stacks = )" + std::to_string(huawei_stock) + R"(
appeal = 1
marginal_cost_usd = 5000
capacity_units_per_month = 30000
[[product]]
name = "SKH_HBM3"
kind = "hbm"
owner = "SK_hynix"
generation = "HBM3"
launch = "2020-01"
bandwidth_density_GBps_mm2 = 8
appeal = 4
marginal_cost_usd = 100
capacity_units_per_month = 1e7
[[product]]
name = "CXMT_HBM2"
kind = "hbm"
owner = "CXMT"
generation = "HBM2"
launch = "2020-01"
bandwidth_density_GBps_mm2 = 3
appeal = 3
marginal_cost_usd = 120
capacity_units_per_month = 20000
[[ai_firm]]
name = "USLab"
country = "US"
budget_usd_per_month = 2e9
price_sensitivity_per_kusd = 0.08
[[ai_firm]]
name = "CNLab"
country = "CN"
budget_usd_per_month = 1e9
price_sensitivity_per_kusd = 0.08
home_bias = 2.0
)" + extra;
}

const std::string kHbmBan = R"(
[[event]]
date = "2024-07"
action = "add_control"
id = "hbm_ban"
issuer = "US"
jurisdictions = ["US", "KR"]
kind = "hbm"
destinations = ["CN"]
treatment = "deny"
[[event.prong]]
bandwidth_density_GBps_mm2_gt = 2.0
)";

using test::Run;
Run run(const std::string& text) { return test::run(text, 3, "hbm.toml"); }
double at(const Run& r, const char* var, int t, int i, int j = -1) {
  const Variable& v = r.state.series.variable(var);
  const std::size_t row = v.row_size;
  if (j < 0) return v.data[static_cast<std::size_t>(t) * row + static_cast<std::size_t>(i)];
  const std::size_t C = static_cast<std::size_t>(r.model.n_countries());
  return v.data[static_cast<std::size_t>(t) * row + static_cast<std::size_t>(i) * C + static_cast<std::size_t>(j)];
}
}  // namespace

TEST_CASE("an HBM ban caps a Chinese accelerator maker at its domestic HBM supply", "[hbm]") {
  const Run r = run(hbm_world(kHbmBan));
  const Model& m = r.model;
  const int ascend = *m.product_index("Ascend"), skh = *m.product_index("SKH_HBM3"), cxmt = *m.product_index("CXMT_HBM2");
  const int cn = *m.country_index("CN");
  const int ban = m.calendar.period_of(Month{2024, 7});
  for (int t = 0; t < m.n_periods(); ++t) {
    const double korean_to_china = at(r, "units_sold", t, skh, cn);
    if (t < ban) {
      CHECK(korean_to_china > 0);  // Huawei bought Korean HBM before the ban
    } else {
      CHECK(korean_to_china == 0.0);  // and none after it
      // Output is capped by the domestic HBM it can buy plus its stock (the planning buffer's
      // safety stock: HBM is bought for planned output, e (1 + buffer)).
      const double cxmt_capacity = at(r, "capacity", t, cxmt);
      CHECK(at(r, "units_sold", t, ascend, cn) * 4 <= (cxmt_capacity + at(r, "hbm_stock", t - 1, ascend)) * (1 + 1e-9));
      CHECK(at(r, "hbm_bought", t, ascend) <= cxmt_capacity * (1 + 1e-9));
    }
    // H100 needs HBM3: it never uses CXMT's HBM2.
    CHECK(at(r, "units_sold", t, cxmt, *m.country_index("US")) == 0.0);
  }
  // Without the ban Huawei outsells that cap.
  const Run open = run(hbm_world(""));
  CHECK(at(open, "units_sold", ban + 3, ascend, cn) * 4 > at(open, "capacity", ban + 3, cxmt) * 1.5);
}

TEST_CASE("HBM stock carries output through a ban until it runs out", "[hbm]") {
  const Run r = run(hbm_world(kHbmBan, 1.5e6));
  const Model& m = r.model;
  const int ascend = *m.product_index("Ascend"), cxmt = *m.product_index("CXMT_HBM2"), cn = *m.country_index("CN");
  const int ban = m.calendar.period_of(Month{2024, 7});
  // Stock identity: stock_t = stock_{t-1} + bought_t - 4 x sold_t, never negative.
  double stock = 1.5e6;
  for (int t = 0; t < m.n_periods(); ++t) {
    double sold = 0;
    for (int c = 0; c < m.n_countries(); ++c) sold += at(r, "units_sold", t, ascend, c);
    stock += at(r, "hbm_bought", t, ascend) - 4 * sold;
    CHECK(at(r, "hbm_stock", t, ascend) == Approx(stock).epsilon(1e-9).margin(1e-6));
    CHECK(at(r, "hbm_stock", t, ascend) >= -1e-6);
  }
  // Right after the ban the stock lets Huawei sell above what CXMT alone supports ...
  CHECK(at(r, "units_sold", ban, ascend, cn) * 4 > at(r, "capacity", ban, cxmt) * (1 + 1e-6));
  // ... until it runs out: at the end the stock is down to less than a month of domestic supply
  // (from 1.5 million stacks) and output is back under the cap of that supply plus the stock.
  const int last = m.n_periods() - 1;
  CHECK(at(r, "hbm_stock", last, ascend) < at(r, "capacity", last, cxmt));
  CHECK(at(r, "units_sold", last, ascend, cn) * 4 <=
        (at(r, "capacity", last, cxmt) + at(r, "hbm_stock", last - 1, ascend)) * (1 + 1e-9));
}

TEST_CASE("an announced HBM ban makes the exposed maker stockpile ahead of it", "[hbm]") {
  std::string announced = kHbmBan;
  announced.insert(announced.find("action"), "announced = \"2024-03\"\n");
  const Run plain = run(hbm_world(kHbmBan, 0, 12));
  const Run warned = run(hbm_world(announced, 0, 12));
  const Model& m = plain.model;
  const int ascend = *m.product_index("Ascend"), nvidia_line = *m.product_index("H100");
  const int before_ban = m.calendar.period_of(Month{2024, 6});
  CHECK(at(warned, "hbm_stock", before_ban, ascend) > 1e4);
  CHECK(at(plain, "hbm_stock", before_ban, ascend) < at(warned, "hbm_stock", before_ban, ascend) / 10);
  // The US maker, not exposed to the ban, does not stockpile (leftovers within the solver's
  // tolerance aside: less than one stack either way).
  CHECK(at(warned, "hbm_stock", before_ban, nvidia_line) == Approx(at(plain, "hbm_stock", before_ban, nvidia_line)).margin(1.0));
}

TEST_CASE("HBM rules and products are validated against the world", "[hbm][errors]") {
  std::string bad = hbm_world("");
  bad.replace(bad.find("hbm_generation_min = \"HBM2\""), 27, "hbm_generation_min = \"HBM9\"");
  try {
    load_scenario_text(bad, "hbm.toml");
    FAIL("loaded an unknown HBM generation");
  } catch (const ScenarioError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("product[1].hbm_generation_min: unknown HBM generation \"HBM9\""));
  }
}

TEST_CASE("HBM under scarcity: the price is the marginal line's value per stack, and the short line keeps its plan",
          "[hbm]") {
  const Run r = run(hbm_world(kHbmBan));
  const Model& m = r.model;
  const int ascend = *m.product_index("Ascend"), cxmt = *m.product_index("CXMT_HBM2");
  const int ban = m.calendar.period_of(Month{2024, 7});
  for (int t = ban + 2; t < m.n_periods(); ++t) {
    // Huawei is CXMT's only buyer after the ban and wants more than CXMT makes: CXMT sells out ...
    CHECK(at(r, "hbm_bought", t, ascend) == Approx(at(r, "capacity", t, cxmt)).epsilon(1e-6));
    CHECK(at(r, "capacity_shadow_cost", t, cxmt) > 0);
    // ... at Huawei's value of a stack: (last price - this period's other unit cost) / 4 stacks.
    const double value = (at(r, "price", t - 1, ascend) - at(r, "marginal_cost", t, ascend)) / 4;
    CHECK(at(r, "price", t, cxmt) == Approx(value).epsilon(1e-6));
    // Short of HBM month after month, the line does not shrink: it keeps buying all CXMT makes
    // and its notional demand stays above what it can sell.
    double sold = 0;
    for (int c = 0; c < m.n_countries(); ++c) sold += at(r, "units_sold", t, ascend, c);
    CHECK(at(r, "notional_demand", t, ascend) > 1.5 * sold);
  }
}

TEST_CASE("ample HBM never limits output: every line gets its need at the reservation price", "[hbm]") {
  // SK hynix's capacity is 1e7 stacks a month: far more than both lines need.
  const Run r = run(hbm_world(""));
  const Model& m = r.model;
  const int h100 = *m.product_index("H100"), skh = *m.product_index("SKH_HBM3");
  for (int t = 1; t < m.n_periods(); ++t) {
    CHECK(at(r, "capacity_shadow_cost", t, skh) == 0.0);
    CHECK(at(r, "price", t, skh) == Approx(at(r, "marginal_cost", t, skh)));  // hbm_markup = 0 here
    // H100's ceiling is its capacity, not its HBM: the HBM it holds covers its capacity's plan,
    // to the HBM market's resolution (it clears in 1/1000 of a stack, rounded down).
    CHECK(at(r, "effective_capacity", t, h100) == Approx(at(r, "capacity", t, h100)).epsilon(0).margin(1e-3));
  }
}

TEST_CASE("HBM: a line launching later bids like the priced lines, contract prices carry the markup",
          "[hbm]") {
  // Nvidia's second line launches in 2025-01; SK hynix prices at twice its cost.
  std::string w = hbm_world(R"(
[[product]]
name = "H200"
kind = "accelerator"
owner = "Nvidia"
launch = "2025-01"
tpp = 15832
hbm_stacks = 6
hbm_generation_min = "HBM3"
appeal = 3
marginal_cost_usd = 4500
capacity_units_per_month = 20000
)");
  const std::string skh = "name = \"SK_hynix\"\nhome = \"KR\"\nkind = \"hbm\"";
  w.replace(w.find(skh), skh.size(), skh + "\nhbm_markup = 1.0");
  const Run r = run(w);
  const Model& m = r.model;
  const int h200 = *m.product_index("H200"), skh3 = *m.product_index("SKH_HBM3");
  const int launch = m.calendar.period_of(Month{2025, 1});
  CHECK(at(r, "hbm_bought", launch, h200) > 0);  // HBM bought in its launch period
  double sold = 0;
  for (int c = 0; c < m.n_countries(); ++c) sold += at(r, "units_sold", launch, h200, c);
  CHECK(sold > 0);
  for (int t = 1; t < m.n_periods(); ++t)
    CHECK(at(r, "price", t, skh3) == Approx(2.0 * at(r, "marginal_cost", t, skh3)));  // ample: contract price
}

TEST_CASE("an HBM maker's next generation arrives by its innovation hazard; a sold-out generation invests", "[hbm][innovation]") {
  // CXMT: HBM2 on sale, HBM3 waiting (two generations up: HBM makers skip), a fast innovator;
  // under the ban its HBM2 sells out at a margin and it adds 3 % of capacity a month, paid
  // from cash, arriving after two months.
  const std::string cxmt = "name = \"CXMT\"\nhome = \"CN\"\nkind = \"hbm\"";
  std::string w = hbm_world(kHbmBan + R"(
[[product]]
name = "CXMT_HBM3"
kind = "hbm"
owner = "CXMT"
generation = "HBM3"
launch = "on_arrival"
bandwidth_density_GBps_mm2 = 8
appeal = 3
marginal_cost_usd = 150
capacity_units_per_month = 20000
)");
  w.replace(w.find(cxmt), cxmt.size(),
            cxmt + "\nrd_share = 0.2\narrival_hazard_per_month = 0.2\nknowledge_reference_usd = 1e7\ninitial_knowledge_usd = 1e7\n"
                   "capex_usd_per_unit = 2000\ninvest_step = 0.03\ninvest_margin = 0.1\ninvest_utilisation = 0.9\nbuild_lag_months = 2");
  const Run r = run(w);
  const Model& m = r.model;
  const int hbm3 = *m.product_index("CXMT_HBM3"), hbm2 = *m.product_index("CXMT_HBM2");
  REQUIRE(r.state.launched[static_cast<std::size_t>(hbm3)]);
  const int launch = r.state.launch_period(hbm3);
  CHECK(launch > 0);
  const int cn = *m.country_index("CN");
  for (int t = 0; t < m.n_periods(); ++t) {
    INFO("period " << t);
    if (t < launch) CHECK(at(r, "units_sold", t, hbm3, cn) == 0);
  }
  CHECK(at(r, "units_sold", m.n_periods() - 1, hbm3, cn) > 0);
  // Investment: after the ban HBM2's capacity (no path growth) steps up by 3 % a month of the
  // capacity at the decision, two periods after each decision.
  const int cx = *m.firm_index("CXMT");
  bool invested = false;
  for (int t = 7; t + 3 < m.n_periods(); ++t) {
    const double capex = at(r, "capex", t, cx) + at(r, "capex_subsidy", t, cx);
    if (!(capex > 0)) continue;
    invested = true;
  }
  CHECK(invested);
  CHECK(at(r, "capacity", m.n_periods() - 1, hbm2) > at(r, "capacity", 6, hbm2) * 1.03);
  test::check_identities(r.model, r.state.series);
}

// The upstream tiers (sim/core/supply_tiers.hpp, agents/foundries.cpp,
// sim/markets/foundry_market.cpp): die geometry and yield, packaging and wafer ceilings with
// their shadow prices, the die bank, equipment controls against accelerator bans.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "sim/core/error.hpp"
#include "sim/markets/shadow_margin.hpp"
#include "sim/pipeline/pipeline.hpp"
#include "sim/scenario/scenario.hpp"
#include "support/identities.hpp"
#include "support/scenario_edit.hpp"
#include "support/worlds.hpp"

using namespace chipsim;
using test::value;
using test::with_keys;

namespace {
std::size_t idx(const Model& m, const char* product) { return static_cast<std::size_t>(*m.product_index(product)); }
// Units of product j sold in period t, over all destinations (units_sold is product x destination).
double sold(const test::Run& r, int t, std::size_t j) {
  const auto C = static_cast<std::size_t>(r.model.n_countries());
  double sum = 0;
  for (std::size_t c = 0; c < C; ++c) sum += value(r.state.series, "units_sold", t, j * C + c);
  return sum;
}

// Tools, a TSMC-like node and CoWoS-like line in TW, a SMIC-like node in CN; the tiny world's
// countries are US and CN only, so TW is added.
const std::string kTiers = R"(
[[country]]
code = "TW"
[[country]]
code = "NL"

[[equipment_supplier]]
country = "NL"
tool = "lithography"
share = 0.8
[[equipment_supplier]]
country = "US"
tool = "etch"
share = 0.5
[[equipment_supplier]]
country = "CN"
tool = "etch"
share = 0.2

[[process_node]]
name = "TW_N4"
foundry = "TSMC"
country = "TW"
feature_nm = 4
wafers_per_month = 1e7
wafer_cost_usd = 16000
defect_density_per_cm2 = 0.063
tools = ["lithography", "etch"]

[[process_node]]
name = "CN_N7"
foundry = "SMIC"
country = "CN"
feature_nm = 7
wafers_per_month = 1e6
capacity_growth_per_month = 0.05
capacity_max_wafers_per_month = 1e9
wafer_cost_usd = 10000
defect_density_per_cm2 = 0.2
defect_density_floor_per_cm2 = 0.05
learning_rate = 0.3
learning_reference_wafers = 1e5
tools = ["lithography", "etch"]

[[packaging_line]]
name = "CoWoS"
country = "TW"
wafers_per_month = 1e7
cost_usd_per_wafer = 3000
)";

std::string on_tiers(const std::string& extra = "", const std::string& big_keys = "process_node = \"TW_N4\"\ndie_area_mm2 = 814\npackaging_line = \"CoWoS\"\npackages_per_packaging_wafer = 29",
                     const std::string& ascend_keys = "process_node = \"CN_N7\"\ndie_area_mm2 = 665") {
  std::string text = test::tiny_scenario(kTiers + extra);
  text = with_keys(text, "Big", big_keys);
  text = with_keys(text, "Ascend", ascend_keys);
  return text;
}

std::string equipment_rule(const std::string& date, const std::string& issuer, const std::string& tools, const std::string& keys = "") {
  return "\n[[event]]\ndate = \"" + date + "\"\naction = \"add_equipment_control\"\nid = \"" + issuer + "_tools\"\nissuer = \"" +
         issuer + "\"\ndestinations = [\"CN\"]\ntools = [" + tools + "]\n" + keys;
}
}  // namespace

TEST_CASE("gross dies per wafer and Poisson yield match the published H100 figures", "[supply]") {
  // calibration/data/supply_chain.csv: h100_gross_dies_per_wafer 63 (814 mm², 300 mm).
  CHECK(std::floor(gross_dies_per_wafer(814, 300)) == 63);
  CHECK(gross_dies_per_wafer(1e5, 300) == 0.0);  // larger than the wafer
  // Yield 0.6 at 814 mm² <=> D0 = -ln 0.6 / 8.14 per cm².
  CHECK(poisson_yield(814, -std::log(0.6) / 8.14) == Approx(0.6).epsilon(1e-12));
  CHECK(poisson_yield(814, 0) == 1.0);
  CHECK_THROWS_AS(gross_dies_per_wafer(0, 300), std::invalid_argument);
  // Learning: the excess over the floor falls by the learning rate per doubling of wafers.
  ProcessNode n;
  n.defect_density_per_cm2 = 0.25, n.defect_density_floor_per_cm2 = 0.05, n.learning_rate = 0.3, n.learning_reference_wafers = 1e5;
  CHECK(node_defect_density(n, 1e5) == Approx(0.25));
  CHECK(node_defect_density(n, 2e5) == Approx(0.05 + 0.2 * 0.7));
  CHECK(node_defect_density(n, 8e5) == Approx(0.05 + 0.2 * 0.343));
  CHECK(node_defect_density(n, 1e3) == Approx(0.25));  // before W0: the start value
}

TEST_CASE("ample upstream tiers never limit output: prices are those of the world without them", "[supply]") {
  // Costless, ample tiers: the same equilibrium to rounding.
  std::string free = kTiers;
  for (const char* key : {"wafer_cost_usd = 16000", "wafer_cost_usd = 10000", "cost_usd_per_wafer = 3000"})
    free.replace(free.find(key), std::string(key).size(), std::string(key).substr(0, std::string(key).find('=')) + "= 0");
  std::string text = test::tiny_scenario(free);
  text = with_keys(text, "Big", "process_node = \"TW_N4\"\ndie_area_mm2 = 814\npackaging_line = \"CoWoS\"\npackages_per_packaging_wafer = 29");
  const test::Run with = test::run(text), without = test::run(test::tiny_scenario("\n[[country]]\ncode = \"TW\"\n[[country]]\ncode = \"NL\"\n"));
  const std::size_t big = idx(with.model, "Big");
  for (int t = 0; t < with.model.n_periods(); ++t) {
    CHECK(value(with.state.series, "price", t, big) == Approx(value(without.state.series, "price", t, big)).epsilon(1e-9));
    CHECK(sold(with, t, big) == Approx(sold(without, t, big)).epsilon(1e-9));
    CHECK(value(with.state.series, "binding_input", t, big) == 0);
    // Period 0 plans on the launch guess (capacity): wafers may be short; then never.
    if (t > 0) CHECK(value(with.state.series, "wafer_shadow_price", t, 0) == 0);
  }
  test::check_identities(with.model, with.state.series);
}

TEST_CASE("a packaging cap binds: output equals the slots and the slot's shadow price is positive", "[supply]") {
  std::string tiers = on_tiers();
  tiers.replace(tiers.find("wafers_per_month = 1e7\ncost_usd_per_wafer"), 22, "wafers_per_month = 100");
  const test::Run r = test::run(tiers);
  const std::size_t big = idx(r.model, "Big");
  const double w = r.model.firms[static_cast<std::size_t>(*r.model.firm_index("Nvidia"))].expectation_weight;
  double expected = std::numeric_limits<double>::quiet_NaN();
  for (int t = 1; t < r.model.n_periods(); ++t) {
    CHECK(value(r.state.series, "binding_input", t, big) == 3);
    CHECK(value(r.state.series, "packaging_shadow_price", t, 0) > 0);
    CHECK(value(r.state.series, "capacity_shadow_cost", t, big) > 0);
    CHECK(sold(r, t, big) == Approx(100 * 29).epsilon(1e-6));
    // The premium is the line's whole bid over the cost (it is the only buyer): its expected
    // margin per unit x 29, the margin (last period's price - this period's unit cost, which
    // includes the packaging cost) smoothed by the maker's expectation weight.
    const double margin = value(r.state.series, "price", t - 1, big) - value(r.state.series, "marginal_cost", t, big);
    expected = std::isnan(expected) ? margin : expected + w * (margin - expected);
    CHECK(value(r.state.series, "packaging_shadow_price", t, 0) == Approx(expected * 29).epsilon(1e-6));
  }
  test::check_identities(r.model, r.state.series);
}

TEST_CASE("scarce wafers go to the line with the highest value per wafer, at the marginal line's value", "[supply]") {
  // Big and Small share a node short of wafers; Big earns more per wafer.
  std::string text = test::tiny_scenario(kTiers);
  text.replace(text.find("wafers_per_month = 1e7\nwafer_cost_usd = 16000"), 22, "wafers_per_month = 20");
  text = with_keys(text, "Big", "process_node = \"TW_N4\"\ndie_area_mm2 = 814");
  text = with_keys(text, "Small", "process_node = \"TW_N4\"\ndie_area_mm2 = 814");
  const test::Run r = test::run(text);
  const std::size_t big = idx(r.model, "Big"), small = idx(r.model, "Small");
  const double good = gross_dies_per_wafer(814, 300) * poisson_yield(814, 0.063);
  double e_big = std::numeric_limits<double>::quiet_NaN(), e_small = e_big;  // Nvidia's expectation_weight is 0.5
  REQUIRE(r.model.firms[static_cast<std::size_t>(*r.model.firm_index("Nvidia"))].expectation_weight == 0.5);
  for (int t = 1; t < r.model.n_periods(); ++t) {
    // Value per wafer: (expected margin + die cost per unit) x good dies = expected margin x good
    // dies + the wafer cost; the expected margin smooths last period's by the expectation weight.
    auto update = [&](double& e, std::size_t j) {
      const double m = value(r.state.series, "price", t - 1, j) - value(r.state.series, "marginal_cost", t, j);
      e = std::isnan(e) ? m : e + 0.5 * (m - e);
      return e * good + 16000;
    };
    const double v_big = update(e_big, big), v_small = update(e_small, small);
    const double price = value(r.state.series, "wafer_shadow_price", t, 0) + 16000;
    CHECK(value(r.state.series, "wafers_started", t, 0) == Approx(20).epsilon(1e-6));
    CHECK(price > 16000);
    // Competitive clearing: the price lies between the two values (the marginal line's).
    CHECK(price <= std::max(v_big, v_small) * (1 + 1e-9));
    CHECK(price >= std::min(v_big, v_small) * (1 - 1e-9));
  }
}

TEST_CASE("a die bank carries output under a foundry control until it runs out", "[supply]") {
  const std::string fdpr = R"(
[[event]]
date = "2020-09"
action = "add_foundry_control"
id = "fdpr"
issuer = "US"
jurisdictions = ["TW"]
customers = ["Huawei"]
)";
  // Ascend on the TW node, barred from it from before the start, with 50,000 dies in the bank.
  const std::string text = on_tiers(fdpr, "process_node = \"TW_N4\"\ndie_area_mm2 = 814",
                                    "process_node = \"TW_N4\"\ndie_area_mm2 = 665\ninitial_die_stock = 50000");
  const test::Run r = test::run(text);
  const std::size_t asc = idx(r.model, "Ascend");
  double total = 0;
  bool ran_out = false;
  for (int t = 0; t < r.model.n_periods(); ++t) {
    CHECK(value(r.state.series, "dies_made", t, asc) == 0);
    const double units = sold(r, t, asc);
    total += units;
    CHECK(value(r.state.series, "die_stock", t, asc) == Approx(50000 - total).margin(1e-6));
    if (ran_out) CHECK(units < 1e-6);  // what is left within the stock's margin (pricing tolerance), no more
    if (value(r.state.series, "die_stock", t, asc) < 1e-6) ran_out = true;
    if (units > 0 && value(r.state.series, "capacity_shadow_cost", t, asc) > 0) CHECK(value(r.state.series, "binding_input", t, asc) == 2);
  }
  CHECK(ran_out);
  CHECK(total == Approx(50000).epsilon(1e-9));
  // Without the control the line buys wafers for its whole plan and keeps the bank as a reserve
  // (the insurance it was built as); the bank is drawn from the control's date.
  const std::string keys = "process_node = \"TW_N4\"\ndie_area_mm2 = 665\ninitial_die_stock = 50000";
  const std::string big = "process_node = \"TW_N4\"\ndie_area_mm2 = 814";
  const test::Run open = test::run(on_tiers("", big, keys));
  const test::Run late = test::run(on_tiers(std::string(fdpr).replace(fdpr.find("2020-09"), 7, "2024-06"), big, keys));
  // (In the first period every line plans its whole capacity, wafers are short and the bank covers
  // the shortfall; from then on plans follow demand and the node has wafers for all.)
  const double kept = value(open.state.series, "die_reserve", 0, asc);
  CHECK(kept > 0);
  for (int t = 1; t < open.model.n_periods(); ++t) {
    INFO("period " << t);
    CHECK(sold(open, t, asc) > 0);
    CHECK(value(open.state.series, "die_reserve", t, asc) == kept);
    CHECK(value(open.state.series, "dies_made", t, asc) > 0);
    if (t < 5) CHECK(value(late.state.series, "die_reserve", t, asc) == kept);
    if (t >= 5) CHECK(value(late.state.series, "dies_made", t, asc) == 0);
    if (t >= 5) CHECK(value(late.state.series, "die_reserve", t, asc) == Approx(value(late.state.series, "die_stock", t, asc)));
  }
  CHECK(value(late.state.series, "die_reserve", 7, asc) < kept);
  test::check_identities(r.model, r.state.series);
}

TEST_CASE("an equipment ban slows a node's capacity growth and yield learning and the firm's R&D; an accelerator ban does not",
          "[supply][innovation]") {
  const std::string huawei_rd =
      "rd_share = 0.15\narrival_hazard_per_month = 0.05\nknowledge_reference_usd = 1e9\nknowledge_elasticity = 1.0\n"
      "initial_knowledge_usd = 1e8\ncontrols_access_penalty = 0.5";
  const std::string base = with_keys(on_tiers(), "Huawei", huawei_rd);
  const std::string tools_ban = base + equipment_rule("2024-01", "US", "\"etch\"") + equipment_rule("2024-01", "NL", "\"lithography\"");
  const std::string chip_ban = base + test::us_deny_rule("2024-03", "deny_big", 4800);
  const test::Run open = test::run(base), tools = test::run(tools_ban), chips = test::run(chip_ban);
  const auto& m = open.model;
  const std::size_t hw = static_cast<std::size_t>(*m.firm_index("Huawei"));
  const int T = m.n_periods() - 1;
  // Access: etch 1 - 0.5 (the US half; China's own 20 % stays), lithography 1 - 0.8.
  CHECK(value(tools.state.series, "node_equipment_access", T, 1) == Approx(0.2));
  CHECK(value(open.state.series, "node_equipment_access", T, 1) == 1.0);
  CHECK(value(chips.state.series, "node_equipment_access", T, 1) == 1.0);
  // A rule's own enforcement scales what it stops: half the US etch supply -> 1 - 0.5 x 0.5.
  const test::Run leaky = test::run(base + equipment_rule("2024-01", "US", "\"etch\"", "enforcement = 0.5\n"));
  CHECK(value(leaky.state.series, "node_equipment_access", T, 1) == Approx(0.75));
  const std::size_t cn_etch = static_cast<std::size_t>(*m.country_index("CN")) * m.tool_classes.size() + 1;
  CHECK(value(leaky.state.series, "tool_access", T, cn_etch) == Approx(0.75));
  // Capacity grows at a fifth of the pace; learning counts a fifth of the wafers.
  CHECK(value(tools.state.series, "wafer_capacity", T, 1) < value(open.state.series, "wafer_capacity", T, 1));
  CHECK(value(tools.state.series, "defect_density", T, 1) > value(open.state.series, "defect_density", T, 1));
  // The hazard, relative to knowledge, is cut by penalty x (1 - access) = 0.4 under the tool ban,
  // and not at all under the chip ban (which sends Huawei demand and knowledge, not a penalty).
  auto hazard_per_knowledge = [&](const test::Run& r, int t) {
    return value(r.state.series, "arrival_hazard", t, hw) / value(r.state.series, "knowledge", t - 1, hw);
  };
  for (int t = 3; t <= T; ++t) {
    if (value(open.state.series, "arrival_hazard", t, hw) == 0) break;  // arrived: the next one differs
    CHECK(hazard_per_knowledge(tools, t) == Approx(0.6 * hazard_per_knowledge(open, t)).epsilon(1e-9));
    CHECK(hazard_per_knowledge(chips, t) == Approx(hazard_per_knowledge(open, t)).epsilon(1e-9));
  }
}

TEST_CASE("bad supply-tier input is a located error", "[supply][errors]") {
  auto error_of = [](const std::string& text) { return test::error_of(text, "tiers.toml"); };
  CHECK_THAT(error_of(on_tiers("", "process_node = \"TW_N3\"\ndie_area_mm2 = 814")),
             Catch::Contains("tiers.toml:") && Catch::Contains("process_node") && Catch::Contains("unknown [[process_node]] \"TW_N3\""));
  CHECK_THAT(error_of(on_tiers("", "process_node = \"TW_N4\"")), Catch::Contains("needs die_area_mm2"));
  CHECK_THAT(error_of(on_tiers(equipment_rule("2024-03", "US", "\"etching\""))), Catch::Contains("unknown tool class \"etching\""));
  std::string over = on_tiers();
  over.replace(over.find("share = 0.2"), 11, "share = 0.6");
  CHECK_THAT(error_of(over), Catch::Contains("sum to more than 1"));
  CHECK_THAT(error_of(on_tiers("", "packages_per_packaging_wafer = 29")), Catch::Contains("only meaningful with packaging_line"));
  CHECK_THAT(error_of(on_tiers("\n[[event]]\ndate = \"2024-02\"\naction = \"remove_equipment_control\"\nid = \"nope\"\n")),
             Catch::Contains("no rule \"nope\" is in force"));
}

TEST_CASE("a full packaging line invests a share of its revenue, scaled by its equipment access, and a slack one does not",
          "[supply][investment]") {
  // CoWoS at 100 wafers a month binds Big (the test above); with investment keys it adds
  // reinvestment_share x wafers x clearing price / capex per wafer-month after the build lag.
  std::string tiers = on_tiers();
  const std::string line = "wafers_per_month = 1e7\ncost_usd_per_wafer = 3000";
  tiers.replace(tiers.find(line), line.size(),
                "wafers_per_month = 100\ncost_usd_per_wafer = 3000\ncapex_usd_per_wafer_per_month = 1e6\n"
                "reinvestment_share = 0.2\nbuild_lag_months = 2\ntools = [\"lithography\"]");
  const test::Run r = test::run(tiers);
  for (int t = 0; t + 2 < r.model.n_periods(); ++t) {
    INFO("period " << t);
    const double used = value(r.state.series, "packaging_wafers_used", t, 0);
    const double price = value(r.state.series, "packaging_shadow_price", t, 0) + 3000;
    const double capacity = value(r.state.series, "packaging_capacity", t, 0);
    const double capex = value(r.state.series, "packaging_capex", t, 0);
    if (used >= 0.9 * capacity) {
      CHECK(capex == Approx(0.2 * used * price).epsilon(1e-9));
      // It joins the capacity two periods later (no other change to the path: growth 0).
      CHECK(value(r.state.series, "packaging_capacity", t + 2, 0) - value(r.state.series, "packaging_capacity", t + 1, 0) ==
            Approx(capex / 1e6).epsilon(1e-9));
    } else {
      CHECK(capex == 0);
    }
  }
  CHECK(value(r.state.series, "packaging_capex", 1, 0) > 0);
  // A ban on its lithography tools (TW fabs, 80 % of the class) buys 0.2 of the capacity per dollar.
  const test::Run banned = test::run(tiers + "\n[[event]]\ndate = \"2023-01\"\naction = \"add_equipment_control\"\nid = \"x\"\n"
                                              "issuer = \"NL\"\ndestinations = [\"TW\"]\ntools = [\"lithography\"]\n");
  const double added = value(banned.state.series, "packaging_capacity", 3, 0) - value(banned.state.series, "packaging_capacity", 2, 0);
  CHECK(added == Approx(value(banned.state.series, "packaging_capex", 1, 0) / 1e6 * 0.2).epsilon(1e-9));
  // Ample capacity: never full, never invests.
  const test::Run slack = test::run(on_tiers());
  for (int t = 0; t < slack.model.n_periods(); ++t) CHECK(value(slack.state.series, "packaging_capex", t, 0) == 0);
}

TEST_CASE("in history no line's sales switch on and off month by month as an outbid line bids its margin and not a launch's",
          "[supply]") {
  // A line outbid for CoWoS slots at its own expected margin sold nothing that month; it used to
  // bid as a launch (the highest value) the month after, win, sell at capacity, and be outbid
  // again: the H20 sold 33k units and 0 by turns through 2024.
  const Model m = load_scenario(std::string(CHIPSIM_SOURCE_DIR) + "/experiments/scenarios/history.toml");
  RunOptions o;
  o.seed = m.default_seed;
  const State s = run_model(m, o);
  const auto C = static_cast<std::size_t>(m.n_countries());
  for (int j : m.products_of(ProductKind::accelerator)) {
    std::vector<bool> on;
    for (int t = 0; t < m.n_periods(); ++t) {
      double units = 0;
      for (std::size_t c = 0; c < C; ++c) units += value(s.series, "units_sold", t, static_cast<std::size_t>(j) * C + c);
      on.push_back(units > 0);
    }
    int cycles = 0;  // on, off, on, off in four consecutive months
    for (std::size_t t = 3; t < on.size(); ++t) cycles += on[t - 3] && !on[t - 2] && on[t - 1] && !on[t];
    INFO(m.products[static_cast<std::size_t>(j)].name);
    CHECK(cycles == 0);
  }
}

TEST_CASE("the margin an idle line bids with: its last price less this period's cost and none before it was on sale",
          "[supply]") {
  const test::Run r = test::run(test::tiny_scenario());
  const int big = *r.model.product_index("Big");
  State s = r.state;
  const double on_sale = shadow_margin_per_unit(r.model, s, big);
  REQUIRE(std::isfinite(on_sale));
  CHECK(notional_margin_per_unit(r.model, s, big) == on_sale);
  // Outbid for an input last period: not on sale, no market price; the notional margin remains.
  s.offered[static_cast<std::size_t>(big)] = 0;
  CHECK(std::isnan(shadow_margin_per_unit(r.model, s, big)));
  CHECK(notional_margin_per_unit(r.model, s, big) == Approx(s.price_usd(big) - s.unit_cost_usd(big)).epsilon(1e-15));
  // Never on sale (a launch, whatever price it carries): none, so it bids as a launch.
  s.demand_observed[static_cast<std::size_t>(big)] = 0;
  CHECK(std::isnan(notional_margin_per_unit(r.model, s, big)));
}

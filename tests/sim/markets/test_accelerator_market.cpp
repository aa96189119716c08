// The accelerator market's demand side over time: demand that waits (deferred budgets), bans
// that divert demand to domestic makers, notional demand behind output plans, product ageing.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "sim/core/model.hpp"
#include "sim/markets/accelerator_market.hpp"
#include "sim/scenario/scenario.hpp"
#include "support/worlds.hpp"

using namespace chipsim;

namespace {
const std::string kDenyUsChipsToCn = R"(
[[event]]
date = "2024-03"
action = "add_control"
id = "deny_us_chips"
issuer = "US"
kind = "accelerator"
destinations = ["CN"]
treatment = "deny"
[[event.prong]]
tpp_ge = 1000
)";

// The tiny world with carry-over keys and Huawei's Ascend at a small ceiling that it can
// expand by investing (capex, no build lag; at most 10 % a month, so that the ban shows in capacity
// once the baseline has caught up with its demand).
std::string waiting_world(double share, double decay, const std::string& extra) {
  std::string s = test::tiny_scenario(extra, "2025-06");
  const std::string params = "\n[parameters]\nbudget_carryover_share = " + std::to_string(share) +
                             "\nbudget_carryover_decay_per_year = " + std::to_string(decay) + "\n";
  s.insert(s.find("[[country]]"), params);
  const std::string ascend = "marginal_cost_usd = 6000\ncapacity_units_per_month = 1e9";
  s.replace(s.find(ascend), ascend.size(), "marginal_cost_usd = 6000\ncapacity_units_per_month = 3000");
  const std::string huawei = "name = \"Huawei\"\nhome = \"CN\"\nkind = \"accelerator\"";
  s.replace(s.find(huawei), huawei.size(),
            huawei + "\ncapex_usd_per_unit = 1000\ninvest_utilisation = 0.9\ninvest_margin = 0.1\ninvest_step = 0.1");
  return s;
}

// Product j's value in period t of a variable over (product) or (product, destination),
// summed over destinations.
double at(const State& st, const std::string& name, std::size_t t, int j) {
  const Variable& v = st.series.variable(name);
  const std::size_t per_product = v.row_size / st.price_usd.size();
  double s = 0;
  for (std::size_t d = 0; d < per_product; ++d) s += v.data[t * v.row_size + static_cast<std::size_t>(j) * per_product + d];
  return s;
}
double sum_from(const State& st, const std::string& name, int j, std::size_t t0, std::size_t t1) {
  double s = 0;
  for (std::size_t t = t0; t < t1; ++t) s += at(st, name, t, j);
  return s;
}
}  // namespace

TEST_CASE("deferred budget: a share of the unspent budget carries over, less the decay", "[market][waiting]") {
  const test::Run r = test::run(waiting_world(0.4, 0.5, ""));
  const auto& deferred = r.state.series.variable("ai_firm_deferred_budget").data;
  const auto& budget = r.state.series.variable("ai_firm_budget").data;
  const auto& spend = r.state.series.variable("buyer_spend").data;  // per country: one AI firm each, same order
  const std::size_t A = 2;
  const double keep = 0.4 * std::pow(0.5, 1.0 / 12.0);
  // Both are recorded after stage 8, i.e. as carried into the next period:
  // deferred(t) = keep x max(0, budget(t - 1) + deferred(t - 1) - spend(t)) (no demand shocks here).
  double carried = 0;
  for (std::size_t t = 1; t < r.state.series.time_labels.size(); ++t)
    for (std::size_t i = 0; i < A; ++i) {
      const double unspent = std::max(0.0, budget[(t - 1) * A + i] + deferred[(t - 1) * A + i] - spend[t * A + i]);
      CHECK(deferred[t * A + i] == Approx(keep * unspent).epsilon(1e-12));
      carried += deferred[t * A + i];
    }
  CHECK(carried > 0);
  // Without carry-over nothing is deferred.
  const test::Run none = test::run(waiting_world(0.0, 0.5, ""));
  for (double d : none.state.series.variable("ai_firm_deferred_budget").data) CHECK(d == 0.0);
}

TEST_CASE("a ban on foreign chips defers and diverts demand: domestic sales, prices and investment rise",
          "[market][waiting][diversion]") {
  for (double share : {0.0, 0.6}) {
    const test::Run base = test::run(waiting_world(share, 0.5, ""));
    const test::Run ban = test::run(waiting_world(share, 0.5, kDenyUsChipsToCn));
    const int ascend = *ban.model.product_index("Ascend");
    // The year after the ban (2024-03 .. 2025-02 = periods 2..13).
    INFO("carry-over share " << share);
    CHECK(sum_from(ban.state, "units_sold", ascend, 2, 14) > 1.02 * sum_from(base.state, "units_sold", ascend, 2, 14));
    CHECK(sum_from(ban.state, "price", ascend, 2, 14) > 1.01 * sum_from(base.state, "price", ascend, 2, 14));
    CHECK(at(ban.state, "capacity", 13, ascend) > 1.05 * at(base.state, "capacity", 13, ascend));
  }
  // With carry-over the banned budget waits: CN's deferred budget is larger under the ban, and
  // Huawei sells more over the year than without carry-over.
  const test::Run wait = test::run(waiting_world(0.6, 0.5, kDenyUsChipsToCn));
  const test::Run lost = test::run(waiting_world(0.0, 0.5, kDenyUsChipsToCn));
  const int ascend = *wait.model.product_index("Ascend");
  CHECK(sum_from(wait.state, "units_sold", ascend, 2, 14) > sum_from(lost.state, "units_sold", ascend, 2, 14));
}

TEST_CASE("a line held at half its demand by its ceiling keeps planning for its demand", "[market][planning]") {
  // Ascend's ceiling (3,000 a month, no investment) is far below its demand: sales sit at the
  // ceiling, notional demand stays above it, and the plan does not shrink month after month.
  std::string s = test::tiny_scenario("", "2025-06");
  const std::string ascend = "marginal_cost_usd = 6000\ncapacity_units_per_month = 1e9";
  s.replace(s.find(ascend), ascend.size(), "marginal_cost_usd = 6000\ncapacity_units_per_month = 3000");
  const test::Run r = test::run(s);
  const int j = *r.model.product_index("Ascend");
  for (std::size_t t = 1; t < r.state.series.time_labels.size(); ++t) {
    CHECK(at(r.state, "units_sold", t, j) == Approx(3000).epsilon(1e-6));
    CHECK(at(r.state, "capacity_shadow_cost", t, j) > 0);
    CHECK(at(r.state, "notional_demand", t, j) > 1.5 * 3000);
    CHECK(at(r.state, "notional_demand", t, j) >= 0.97 * at(r.state, "notional_demand", t - 1, j));
  }
}

TEST_CASE("product ageing: mean utility falls by the decay per generation behind the frontier", "[market][lifecycle]") {
  std::string s = test::tiny_scenario("", "2024-06");
  s.insert(s.find("[[country]]"), "\n[parameters]\nappeal_decay_per_generation = 0.8\n");
  // Big is generation 2, Small generation 0 and Ascend generation 1.
  s.replace(s.find("name = \"Big\"\nkind = \"accelerator\""), std::string("name = \"Big\"\nkind = \"accelerator\"").size(),
            "name = \"Big\"\nkind = \"accelerator\"\ngeneration = 2");
  s.replace(s.find("name = \"Ascend\"\nkind = \"accelerator\""), std::string("name = \"Ascend\"\nkind = \"accelerator\"").size(),
            "name = \"Ascend\"\nkind = \"accelerator\"\ngeneration = 1");
  const Model m = load_scenario_text(s, "ageing.toml");
  State st = initial_state(m, RandomKey{1, 0});
  for (std::size_t j = 0; j < st.launched.size(); ++j) st.launched[j] = 1;
  const MarketData md = accelerator_market_data(m, st);
  const auto base = [&](int k) {
    const Product& p = m.products[static_cast<std::size_t>(m.products_of(ProductKind::accelerator)[static_cast<std::size_t>(k)])];
    return m.parameters.utility_per_log_performance * std::log(p.performance_h100e) + p.appeal;
  };
  CHECK(md.mean_utility(0) == Approx(base(0)));               // Big: the frontier
  CHECK(md.mean_utility(1) == Approx(base(1) - 2 * 0.8));     // Small: two generations behind
  CHECK(md.mean_utility(2) == Approx(base(2) - 1 * 0.8));     // Ascend: one behind
}

TEST_CASE("an older-generation chip loses most of its sales within a few years of newer generations",
          "[market][lifecycle]") {
  // The shipped history's decay, in the tiny world with constant budgets: Small (generation 1)
  // faces Big (generation 2) from 2024-01 and Next (generation 3) from 2025-01.
  const Model history = load_scenario(std::string(CHIPSIM_SOURCE_DIR) + "/experiments/scenarios/history.toml");
  const double decay = history.parameters.appeal_decay_per_generation;
  REQUIRE(decay > 0);
  std::string s = test::tiny_scenario(R"(
[[product]]
name = "Next"
kind = "accelerator"
generation = 3
owner = "Nvidia"
launch = "2025-01"
tpp = 15832
appeal = 2.0
marginal_cost_usd = 5000
capacity_units_per_month = 1e9
)", "2026-12");
  s.replace(s.find("start = \"2024-01\""), 17, "start = \"2023-01\"");
  s.insert(s.find("[[country]]"), "\n[parameters]\nappeal_decay_per_generation = " + std::to_string(decay) + "\n");
  s.replace(s.find("name = \"Big\"\nkind = \"accelerator\"\nowner = \"Nvidia\"\nlaunch = \"2020-01\""),
            std::string("name = \"Big\"\nkind = \"accelerator\"\nowner = \"Nvidia\"\nlaunch = \"2020-01\"").size(),
            "name = \"Big\"\nkind = \"accelerator\"\ngeneration = 2\nowner = \"Nvidia\"\nlaunch = \"2024-01\"");
  s.replace(s.find("name = \"Small\"\nkind = \"accelerator\""), std::string("name = \"Small\"\nkind = \"accelerator\"").size(),
            "name = \"Small\"\nkind = \"accelerator\"\ngeneration = 1");
  s.replace(s.find("name = \"Ascend\"\nkind = \"accelerator\""), std::string("name = \"Ascend\"\nkind = \"accelerator\"").size(),
            "name = \"Ascend\"\nkind = \"accelerator\"\ngeneration = 1");
  const test::Run r = test::run(s);
  const int small = *r.model.product_index("Small");
  const double in_2023 = sum_from(r.state, "units_sold", small, 0, 12);
  const double in_2026 = sum_from(r.state, "units_sold", small, 36, 48);
  CHECK(in_2026 < 0.5 * in_2023);
  // ... and the ageing, not only the newcomers' competition, takes it.
  const std::string key = "appeal_decay_per_generation = " + std::to_string(decay);
  s.replace(s.find(key), key.size(), "appeal_decay_per_generation = 0");
  const test::Run ageless = test::run(s);
  CHECK(in_2026 < 0.6 * sum_from(ageless.state, "units_sold", small, 36, 48));
}

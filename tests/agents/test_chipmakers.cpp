#include <catch2/catch.hpp>

#include <cmath>

#include "sim/pipeline/pipeline.hpp"
#include "sim/scenario/scenario.hpp"
#include "support/identities.hpp"
#include "support/scenario_edit.hpp"
#include "support/worlds.hpp"

using namespace chipsim;
using test::value;
using test::with_keys;

namespace {
using test::Run;
using test::run;
std::size_t idx(const Model& m, const char* product) { return static_cast<std::size_t>(*m.product_index(product)); }
std::size_t firm(const Model& m, const char* name) { return static_cast<std::size_t>(*m.firm_index(name)); }

// Huawei can reach a second generation, "Ascend2", by innovation.
const std::string kNextGeneration = R"(
[[product]]
name = "Ascend2"
kind = "accelerator"
owner = "Huawei"
launch = "on_arrival"
generation = 1
tpp = 10240
appeal = 1.0
marginal_cost_usd = 6000
capacity_units_per_month = 1e9
)";
const std::string kInnovator =
    "rd_share = 0.15\narrival_hazard_per_month = 0.05\nknowledge_reference_usd = 1e9\nknowledge_elasticity = 1.0\n"
    "initial_knowledge_usd = 1e8";
const std::string kCnSubsidy = R"(
[[government]]
country = "CN"
subsidy_budget_usd_per_month = 1e10
rd_subsidy_rate = 2.0
)";
}  // namespace

TEST_CASE("learning lowers unit cost with cumulative output at the configured rate", "[agents][learning]") {
  const std::string text = with_keys(test::tiny_scenario(), "Huawei", "learning_rate = 0.2");
  const Run r = run(with_keys(text, "Ascend", "learning_reference_units = 2000"));
  const std::size_t j = idx(r.model, "Ascend");
  const double c0 = 6000, q0 = 2000, b = -std::log2(1 - 0.2);
  bool doubled_twice = false;
  for (int t = 1; t < r.model.n_periods(); ++t) {
    const double q = value(r.state.series, "cumulative_output", t - 1, j);  // output of earlier periods
    const double c = value(r.state.series, "marginal_cost", t, j);
    CHECK(c == Approx(c0 * std::pow(std::max(1.0, q / q0), -b)).epsilon(1e-12));
    if (q >= 4 * q0) {
      doubled_twice = true;
      CHECK(c <= c0 * 0.8 * 0.8 * (1 + 1e-12));  // two doublings: at least 36 % cheaper
    }
  }
  CHECK(doubled_twice);
  // Nvidia has no learning rate: its cost never moves.
  CHECK(value(r.state.series, "marginal_cost", r.model.n_periods() - 1, idx(r.model, "Big")) == 5000.0);
}

TEST_CASE("an R&D subsidy raises the arrival rate of new generations", "[agents][innovation]") {
  const std::string base = with_keys(test::tiny_scenario(kNextGeneration), "Huawei", kInnovator);
  const Run plain = run(base), subsidised = run(base + kCnSubsidy);
  const std::size_t hw = firm(plain.model, "Huawei");
  // Same seed, same draws: the subsidised firm's hazard is higher until it arrives.
  for (int t = 1; t < 4; ++t)
    CHECK(value(subsidised.state.series, "arrival_hazard", t, hw) > value(plain.state.series, "arrival_hazard", t, hw));
  CHECK(value(subsidised.state.series, "knowledge", 3, hw) > value(plain.state.series, "knowledge", 3, hw));

  // Over many seeds: arrival by the end of period T is more frequent with the subsidy, and its
  // frequency matches 1 - exp(-sum of hazards) (the hazard path before arrival is seed-free).
  const int T = 4, seeds = 400;
  auto arrivals = [&](const std::string& text, std::vector<double>& hazard_path) {
    int count = 0;
    const Model m = load_scenario_text(text, "tiny.toml");
    const int next = *m.product_index("Ascend2");
    for (int seed = 1; seed <= seeds; ++seed) {
      RunOptions o;
      o.seed = static_cast<std::uint64_t>(seed);
      const State s = run_model(m, o);
      const bool arrived = s.launch_period(next) <= T + 1;  // drawn in a period <= T
      count += arrived;
      if (!arrived && hazard_path.empty())
        for (int t = 0; t <= T; ++t) hazard_path.push_back(value(s.series, "arrival_hazard", t, hw));
    }
    return count;
  };
  std::vector<double> h_plain, h_sub;
  const int n_plain = arrivals(base, h_plain), n_sub = arrivals(base + kCnSubsidy, h_sub);
  CHECK(n_sub > n_plain);
  REQUIRE(h_plain.size() == static_cast<std::size_t>(T + 1));
  double sum = 0;
  for (double h : h_plain) sum += h;
  const double p = 1 - std::exp(-sum), sd = std::sqrt(p * (1 - p) / seeds);
  CHECK(std::abs(double(n_plain) / seeds - p) < 4 * sd + 1e-9);
}

// The access penalty follows equipment controls on the firm's fabs, not bans on selling it
// chips: tests/sim/markets/test_supply_tiers.cpp.

TEST_CASE("capacity investment adds capacity after the build lag and is paid from cash", "[agents][investment]") {
  std::string text = test::tiny_scenario();
  text = with_keys(text, "Nvidia", "capex_usd_per_unit = 2000\nbuild_lag_months = 2\ninvest_utilisation = 0.5\ninvest_margin = 0.1\ninvest_step = 0.2");
  text.replace(text.find("capacity_units_per_month = 1e9"), 30, "capacity_units_per_month = 5000");  // Big is scarce
  const Run r = run(text);
  const std::size_t big = idx(r.model, "Big"), nv = firm(r.model, "Nvidia");
  int first = -1;
  for (int t = 0; t < r.model.n_periods() && first < 0; ++t)
    if (value(r.state.series, "capex", t, nv) > 0) first = t;
  REQUIRE(first >= 0);
  const double cap = value(r.state.series, "capacity", first, big);
  CHECK(value(r.state.series, "capex", first, nv) == Approx(2000 * 0.2 * cap));
  // On line for period first + lag + 1, not before.
  for (int t = first + 1; t <= first + 2; ++t) CHECK(value(r.state.series, "capacity", t, big) == cap);
  CHECK(value(r.state.series, "capacity", first + 3, big) == Approx(cap * 1.2).epsilon(1e-12));
  test::check_identities(r.model, r.state.series);
}

TEST_CASE("design-around: a compliant variant just under the threshold reaches the barred market", "[agents][design_around]") {
  std::string text = test::tiny_scenario(test::us_deny_rule("2024-03", "deny_4800", 4800));
  text = with_keys(text, "Nvidia", "design_around = true\ndesign_around_lag_months = 3\ndesign_around_efficiency = 0.9");
  const Run r = run(text);
  const Model& m = r.model;
  const auto v = m.product_index("Big_deny_4800_variant");
  REQUIRE(v);
  const Product& variant = m.products[*v];
  const Product& big = m.products[*m.product_index("Big")];
  CHECK(variant.attributes[static_cast<int>(Attribute::tpp)] == Approx(0.97 * 4800));
  CHECK(variant.performance_h100e == Approx(big.performance_h100e * 0.97 * 4800 / 15832 * 0.9));
  CHECK(variant.launch == Month{2024, 6});
  CHECK_FALSE(m.product_index("Small_deny_4800_variant"));  // Small was never barred
  const std::size_t C = static_cast<std::size_t>(m.n_countries()), cn = static_cast<std::size_t>(*m.country_index("CN"));
  const std::size_t us = static_cast<std::size_t>(*m.country_index("US"));
  const int june = m.calendar.period_of(Month{2024, 6});
  CHECK(value(r.state.series, "units_sold", june - 1, *v * C + cn) == 0.0);
  CHECK(value(r.state.series, "units_sold", june, *v * C + cn) > 0.0);
  CHECK(value(r.state.series, "units_sold", june, *v * C + us) == 0.0);  // offered only where barred
  test::check_identities(m, r.state.series);
}

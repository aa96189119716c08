#include <catch2/catch.hpp>

#include <cmath>

#include "sim/pipeline/accounting.hpp"
#include "sim/pipeline/pipeline.hpp"
#include "sim/scenario/scenario.hpp"
#include "support/identities.hpp"
#include "support/scenario_edit.hpp"
#include "support/worlds.hpp"

using namespace chipsim;

namespace {
const std::string kWedges = R"(
[[tariff]]
importer = "CN"
origin = "US"
kind = "accelerator"
rate = 0.25
)" + test::us_licence_rule("2024-04", "licence_small", "Small", 0.15) + R"(
[[event]]
date = "2024-07"
action = "set_tariff"
importer = "US"
origin = "CN"
kind = "accelerator"
rate = 0.5
)";

}  // namespace

TEST_CASE("money and units are conserved every period with tariffs and licence fees", "[conservation]") {
  const std::string text = test::tiny_scenario(kWedges);
  const Model m = load_scenario_text(text, "tiny.toml");
  const State s = test::run_text(text);
  test::check_identities(m, s.series);
  // The wedges were really exercised.
  double tariff_total = 0, fee_total = 0;
  for (double v : s.series.variable("tariff_income").data) tariff_total += v;
  for (double v : s.series.variable("fee_income").data) fee_total += v;
  CHECK(tariff_total > 0);
  CHECK(fee_total > 0);
}

TEST_CASE("history conserves money and units in every period", "[conservation][history]") {
  const Model m = load_scenario(std::string(CHIPSIM_SOURCE_DIR) + "/experiments/scenarios/history.toml");
  RunOptions o;
  o.seed = m.default_seed;
  const State s = run_model(m, o);
  test::check_identities(m, s.series);
  for (double r : s.series.variable("pricing_residual").data) CHECK(r < 1e-8);
}

TEST_CASE("a broken invariant stops the run naming the period and quantity", "[conservation]") {
  const Model m = load_scenario_text(test::tiny_scenario(), "tiny.toml");
  State s = initial_state(m, RandomKey{1, 0});
  s.period = 3;
  s.units_to.setZero(m.n_products(), m.n_countries());
  s.units_to(0, 1) = 5;  // delivered but never sold
  s.units_sold.setZero(m.n_products());
  s.price_usd = Eigen::VectorXd::Constant(m.n_products(), 10000.0);
  s.available.setOnes(m.n_products(), m.n_countries());
  s.licence_fee.setZero(m.n_products(), m.n_countries());
  s.tariff_rate.setZero(m.n_products(), m.n_countries());
  try {
    check_invariants(m, s);
    FAIL("the broken state passed the checks");
  } catch (const InvariantError& e) {
    CHECK(e.period() == 3);
    CHECK_THAT(std::string(e.what()), Catch::Contains("2024-04"));
    CHECK_THAT(std::string(e.what()), Catch::Contains("Big"));
    // ... and the scenario keys that drive it, the scenario and the demand model in use.
    CHECK_THAT(std::string(e.what()), Catch::Contains("capacity_units_per_month"));
    CHECK_THAT(std::string(e.what()), Catch::Contains("tiny.toml"));
    CHECK_THAT(std::string(e.what()), Catch::Contains("demand model \"" + m.demand_model + "\""));
  }
}

TEST_CASE("per-AI-firm series only on request; their country aggregates always", "[record]") {
  std::string text = test::tiny_scenario();
  const std::string on = "record_ai_firm_series = true\n";
  REQUIRE(text.find(on) != std::string::npos);
  const Model with = load_scenario_text(text, "tiny.toml");
  text.erase(text.find(on), on.size());
  const Model without = load_scenario_text(text, "tiny.toml");
  RunOptions o;
  o.seed = 3;
  const State a = run_model(with, o), b = run_model(without, o);
  auto has_variable = [](const Series& s, const std::string& name) {
    for (const Variable& v : s.variables())
      if (v.name == name) return true;
    return false;
  };
  auto has_dimension = [](const Series& s, const std::string& name) {
    for (const Dimension& d : s.dimensions())
      if (d.name == name) return true;
    return false;
  };
  CHECK(has_variable(a.series, "ai_firm_budget"));
  CHECK_FALSE(has_variable(b.series, "ai_firm_budget"));
  CHECK_FALSE(has_dimension(b.series, "ai_firm"));
  // Same run otherwise, and the country aggregate is the sum over the country's AI firms.
  CHECK(a.series.variable("price").data == b.series.variable("price").data);
  const auto& firm = a.series.variable("ai_firm_budget").data;
  const auto& country = b.series.variable("ai_budget").data;
  const std::size_t A = static_cast<std::size_t>(with.n_ai_firms()), C = static_cast<std::size_t>(with.n_countries());
  for (std::size_t t = 0; t < a.series.n_periods(); ++t)
    for (std::size_t c = 0; c < C; ++c) {
      double sum = 0;
      for (std::size_t i = 0; i < A; ++i)
        if (static_cast<std::size_t>(with.ai_firms[i].country) == c) sum += firm[t * A + i];
      CHECK(country[t * C + c] == Approx(sum).epsilon(1e-12));
    }
}

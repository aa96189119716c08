// An importer's buy-side instruments (sim/policy/buy_side_events.cpp): guidance not to buy listed
// foreign products (or a procurement ban), customs checks and antitrust fines. Each acts only on
// its targets, and only from its date.
#include <catch2/catch.hpp>

#include <cmath>

#include "sim/scenario/scenario.hpp"
#include "support/identities.hpp"
#include "support/scenario_edit.hpp"
#include "support/worlds.hpp"

using namespace chipsim;

namespace {
double at(const test::Run& r, const char* name, int t, std::size_t k) { return test::value(r.state.series, name, t, k); }

std::string guidance(const std::string& targets, double coverage, double compliance) {
  return "\n[[event]]\ndate = \"2024-06\"\naction = \"buy_side_guidance\"\nimporter = \"CN\"\n" + targets +
         "\ncoverage = " + std::to_string(coverage) + "\ncompliance = " + std::to_string(compliance) + "\n";
}

// Every recorded variable of two runs equal, bit for bit, at period t.
bool same_period(const test::Run& a, const test::Run& b, int t) {
  for (const auto& v : a.state.series.variables()) {
    const std::size_t n = v.data.size() / a.state.series.n_periods();
    const auto& w = b.state.series.variable(v.name).data;
    for (std::size_t k = 0; k < n; ++k) {
      const double x = v.data[static_cast<std::size_t>(t) * n + k], y = w[static_cast<std::size_t>(t) * n + k];
      if (!(x == y || (std::isnan(x) && std::isnan(y)))) return false;
    }
  }
  return true;
}
}  // namespace

TEST_CASE("buy-side guidance caps its target in the importer from its date, and nothing else", "[policy][buy_side]") {
  const test::Run open = test::run(test::tiny_scenario());
  const test::Run guided = test::run(test::tiny_scenario(guidance("products = [\"Big\"]", 0.6, 0.5)));  // 30 % comply
  const Model& m = open.model;
  const std::size_t C = static_cast<std::size_t>(m.n_countries()), cn = static_cast<std::size_t>(*m.country_index("CN")),
                    us = static_cast<std::size_t>(*m.country_index("US"));
  const std::size_t big = static_cast<std::size_t>(*m.product_index("Big")), small = static_cast<std::size_t>(*m.product_index("Small")),
                    ascend = static_cast<std::size_t>(*m.product_index("Ascend"));
  for (int t = 0; t < m.n_periods(); ++t) {
    INFO("period " << t);
    if (t < 5) {  // before 2024-06: the same run
      CHECK(same_period(open, guided, t));
      continue;
    }
    const double cap = at(guided, "buy_side_cap", t, big * C + cn);
    CHECK(at(guided, "units_sold", t, big * C + cn) <= cap * (1 + 1e-3));
    CHECK(at(guided, "units_sold", t, big * C + cn) < at(open, "units_sold", t, big * C + cn));
    // No cap on anything else; Chinese buyers turn to the other products.
    CHECK(std::isnan(at(guided, "buy_side_cap", t, big * C + us)));
    CHECK(std::isnan(at(guided, "buy_side_cap", t, small * C + cn)));
    CHECK(at(guided, "units_sold", t, small * C + cn) + at(guided, "units_sold", t, ascend * C + cn) >
          at(open, "units_sold", t, small * C + cn) + at(open, "units_sold", t, ascend * C + cn));
  }
  test::check_identities(guided.model, guided.state.series);
  // Compliance 0: no effect at all; a full ban: none of the target.
  const test::Run lax = test::run(test::tiny_scenario(guidance("products = [\"Big\"]", 1.0, 0.0)));
  const test::Run ban = test::run(test::tiny_scenario(guidance("firms = [\"Nvidia\"]", 1.0, 1.0)));
  for (int t = 0; t < m.n_periods(); ++t) {
    CHECK(same_period(open, lax, t));
    if (t >= 5) {
      CHECK(at(ban, "units_sold", t, big * C + cn) == 0.0);
      CHECK(at(ban, "units_sold", t, small * C + cn) == 0.0);
      CHECK(at(ban, "units_sold", t, big * C + us) > 0.0);
    }
  }
}

TEST_CASE("customs checks: a friction on the targets' imports from their date, borne by the buyers", "[policy][buy_side]") {
  const std::string check = "\n[[event]]\ndate = \"2024-06\"\naction = \"customs_check\"\nimporter = \"CN\"\nproducts = [\"Big\"]\nfriction = 0.2\n";
  const test::Run open = test::run(test::tiny_scenario());
  const test::Run checked = test::run(test::tiny_scenario(check));
  const Model& m = open.model;
  const std::size_t C = static_cast<std::size_t>(m.n_countries()), cn = static_cast<std::size_t>(*m.country_index("CN"));
  const std::size_t big = static_cast<std::size_t>(*m.product_index("Big"));
  for (int t = 0; t < m.n_periods(); ++t) {
    INFO("period " << t);
    if (t < 5) {
      CHECK(same_period(open, checked, t));
      CHECK(at(checked, "customs_friction_cost", t, cn) == 0.0);
      continue;
    }
    const double value = at(checked, "price", t, big) * at(checked, "units_sold", t, big * C + cn);
    CHECK(at(checked, "customs_friction_cost", t, cn) == Approx(0.2 * value).epsilon(1e-12));
    CHECK(at(checked, "units_sold", t, big * C + cn) < at(open, "units_sold", t, big * C + cn));
  }
  test::check_identities(checked.model, checked.state.series);
}

TEST_CASE("an antitrust fine moves cash from the firm to the authority once, and nothing else", "[policy][buy_side]") {
  const std::string fine = "\n[[event]]\ndate = \"2024-06\"\naction = \"antitrust_fine\"\nauthority = \"CN\"\nfirm = \"Nvidia\"\nfine_usd = 2.5e9\n";
  const test::Run open = test::run(test::tiny_scenario());
  const test::Run fined = test::run(test::tiny_scenario(fine));
  const Model& m = open.model;
  const std::size_t nvidia = static_cast<std::size_t>(*m.firm_index("Nvidia")), cn = static_cast<std::size_t>(*m.country_index("CN"));
  for (int t = 0; t < m.n_periods(); ++t) {
    INFO("period " << t);
    CHECK(at(fined, "antitrust_fines_paid", t, nvidia) == (t == 5 ? 2.5e9 : 0.0));
    CHECK(at(fined, "antitrust_fine_income", t, cn) == (t == 5 ? 2.5e9 : 0.0));
    CHECK(at(open, "firm_cash", t, nvidia) - at(fined, "firm_cash", t, nvidia) == Approx(t >= 5 ? 2.5e9 : 0.0).margin(1e-3));
    CHECK(at(fined, "units_sold", t, 0) == at(open, "units_sold", t, 0));
  }
}

TEST_CASE("buy-side events: bad targets are located errors", "[policy][buy_side][errors]") {
  for (const std::string& bad : {guidance("products = [\"Nope\"]", 0.5, 1.0), guidance("firms = [\"Huawei\"]", 0.5, 1.0),
                                 guidance("", 0.5, 1.0), guidance("products = [\"Big\"]", 1.5, 1.0)}) {
    try {
      load_scenario_text(test::tiny_scenario(bad), "bad.toml");
      FAIL("loaded: " << bad);
    } catch (const ScenarioError& e) {
      CHECK_THAT(std::string(e.what()), Catch::Contains("bad.toml:"));
    }
  }
}

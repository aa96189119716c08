#include <catch2/catch.hpp>

#include "sim/core/control_rule.hpp"
#include "sim/pipeline/pipeline.hpp"
#include "sim/scenario/scenario.hpp"
#include "support/worlds.hpp"

using namespace chipsim;

namespace {
ProductAttributes attrs(double tpp, double density, double interconnect) {
  ProductAttributes a = unknown_attributes();
  a[static_cast<int>(Attribute::tpp)] = tpp;
  a[static_cast<int>(Attribute::perf_density)] = density;
  a[static_cast<int>(Attribute::interconnect_GBps)] = interconnect;
  return a;
}
ControlRule rule_2023() {
  ControlRule r;
  r.prongs.push_back(Prong{{Condition{Attribute::tpp, Comparison::ge, 4800}}, {}});
  r.prongs.push_back(Prong{{Condition{Attribute::tpp, Comparison::ge, 1600}, Condition{Attribute::perf_density, Comparison::ge, 5.92}}, {}});
  return r;
}
const std::string kDenyBigToCn = R"(
[[event]]
date = "2024-06"
action = "add_control"
id = "deny_big"
issuer = "US"
kind = "accelerator"
destinations = ["CN"]
treatment = "deny"
[[event.prong]]
tpp_ge = 4800
)";
}  // namespace

TEST_CASE("rule prongs: all conditions of a prong, any prong of a rule", "[controls]") {
  const ControlRule r = rule_2023();
  CHECK(r.matches(0, attrs(15832, 19.45, 900)));   // H100: TPP prong
  CHECK(r.matches(0, attrs(4992, 6.04, 400)));     // A800: density prong
  CHECK_FALSE(r.matches(0, attrs(2368, 2.91, 900)));  // H20: under both prongs
  CHECK_FALSE(r.matches(0, attrs(1500, 9.0, 900)));   // density without TPP
  CHECK_FALSE(r.matches(0, unknown_attributes()));    // unknown attributes never match
  ControlRule named;
  named.prongs.push_back(Prong{{}, {3}});
  CHECK(named.matches(3, unknown_attributes()));
  CHECK_FALSE(named.matches(2, unknown_attributes()));
}

TEST_CASE("an export-control rule removes exactly the flows it should", "[controls]") {
  const State open = test::run_text(test::tiny_scenario());
  const State ruled = test::run_text(test::tiny_scenario(kDenyBigToCn));
  const Model m = load_scenario_text(test::tiny_scenario(kDenyBigToCn), "tiny.toml");
  const int big = *m.product_index("Big"), cn = *m.country_index("CN"), us = *m.country_index("US");
  const auto& units = ruled.series.variable("units_sold");  // (t, product, destination)
  const auto& open_units = open.series.variable("units_sold");
  const auto& avail = ruled.series.variable("available");
  const int P = m.n_products(), C = m.n_countries();
  const int rule_period = m.calendar.period_of(Month{2024, 6});
  for (int t = 0; t < m.n_periods(); ++t)
    for (int j = 0; j < P; ++j)
      for (int c = 0; c < C; ++c) {
        const std::size_t k = static_cast<std::size_t>((t * P + j) * C + c);
        const bool barred = t >= rule_period && j == big && c == cn;
        CHECK(avail.data[k] == (barred ? 0.0 : 1.0));
        if (barred) {
          CHECK(units.data[k] == 0.0);
          CHECK(open_units.data[k] > 0.0);  // the flow existed without the rule
        } else {
          CHECK(units.data[k] > 0.0);
        }
        if (t < rule_period) CHECK(units.data[k] == open_units.data[k]);  // nothing changes before
      }
  (void)us;
}

TEST_CASE("the most recently adopted matching rule decides (allow overrides deny)", "[controls]") {
  const std::string allow_later = kDenyBigToCn + R"(
[[event]]
date = "2024-09"
action = "add_control"
id = "allow_big"
issuer = "US"
kind = "accelerator"
destinations = ["CN"]
treatment = "allow"
[[event.prong]]
products = ["Big"]
)";
  const Model m = load_scenario_text(test::tiny_scenario(allow_later), "tiny.toml");
  const State s = test::run_text(test::tiny_scenario(allow_later));
  const auto& avail = s.series.variable("available");
  const int big = *m.product_index("Big"), cn = *m.country_index("CN"), P = m.n_products(), C = m.n_countries();
  auto at = [&](int year, int month) {
    return avail.data[static_cast<std::size_t>((m.calendar.period_of(Month{year, month}) * P + big) * C + cn)];
  };
  CHECK(at(2024, 5) == 1.0);
  CHECK(at(2024, 6) == 0.0);
  CHECK(at(2024, 8) == 0.0);
  CHECK(at(2024, 9) == 1.0);
}

TEST_CASE("licences: fee booked to the issuer, approval drawn with probability pi", "[controls][licence]") {
  // One-month licence terms: a decision every period.
  const std::string licence = R"(
[[event]]
date = "2024-01"
action = "add_control"
id = "licence_big"
issuer = "US"
kind = "accelerator"
destinations = ["CN"]
treatment = "licence"
licence_fee = 0.15
approval_probability = 0.3
licence_term_months = 1
[[event.prong]]
products = ["Big"]
)";
  const std::string text = test::tiny_scenario(licence, "2040-12");  // 204 periods
  const Model m = load_scenario_text(text, "tiny.toml");
  const State s = test::run_text(text, 2025);
  const int big = *m.product_index("Big"), cn = *m.country_index("CN"), us = *m.country_index("US");
  const int P = m.n_products(), C = m.n_countries(), T = m.n_periods();
  const auto& avail = s.series.variable("available");
  const auto& fee = s.series.variable("licence_fee");
  const auto& units = s.series.variable("units_sold");
  const auto& price = s.series.variable("price");
  const auto& fee_income = s.series.variable("fee_income");
  int granted = 0;
  for (int t = 0; t < T; ++t) {
    const std::size_t k = static_cast<std::size_t>((t * P + big) * C + cn);
    const bool ok = avail.data[k] == 1.0;
    granted += ok;
    CHECK(fee.data[k] == (ok ? 0.15 : 0.0));
    const double expected_fee = ok ? 0.15 * price.data[static_cast<std::size_t>(t * P + big)] * units.data[k] : 0.0;
    CHECK(fee_income.data[static_cast<std::size_t>(t * C + us)] == Approx(expected_fee).epsilon(1e-12));
  }
  // Binomial(204, 0.3): mean 61.2, sd 6.5.
  CHECK(granted > 61 - 4 * 7);
  CHECK(granted < 61 + 4 * 7);
  // Same seed, same draws; another seed, other draws.
  const State again = test::run_text(text, 2025);
  CHECK(again.series.variable("available").data == avail.data);
  const State other = test::run_text(text, 2026);
  CHECK(other.series.variable("available").data != avail.data);
}

TEST_CASE("history: the 2022 and 2023 rules bar the right chips from China", "[controls][history]") {
  const Model m = load_scenario(std::string(CHIPSIM_SOURCE_DIR) + "/experiments/scenarios/history.toml");
  RunOptions o;
  o.seed = m.default_seed;
  const State s = run_model(m, o);
  const auto& avail = s.series.variable("available");
  const int P = m.n_products(), C = m.n_countries(), cn = *m.country_index("CN"), us = *m.country_index("US");
  const auto& grey = s.series.variable("grey_markup");
  // Legally open: on sale there, and not only through grey-market leakage.
  auto open_to = [&](const char* product, int country, int year, int month) {
    const int t = m.calendar.period_of(Month{year, month});
    const auto k = static_cast<std::size_t>((t * P + *m.product_index(product)) * C + country);
    return avail.data[k] == 1.0 && grey.data[k] == 0.0;
  };
  CHECK(open_to("A100_SXM", cn, 2022, 9));
  CHECK_FALSE(open_to("A100_SXM", cn, 2022, 10));  // Oct 2022: TPP >= 4800 and interconnect >= 600
  CHECK(open_to("A100_SXM", us, 2022, 10));
  CHECK(open_to("A800", cn, 2023, 9));             // interconnect 400: outside the 2022 rule
  CHECK_FALSE(open_to("A800", cn, 2023, 10));      // Oct 2023: TPP >= 4800
  CHECK_FALSE(open_to("H800", cn, 2023, 10));
  CHECK(open_to("RTX_4090D", cn, 2024, 1));        // consumer GPU under TPP 4800
  CHECK_FALSE(open_to("RTX_4090", cn, 2024, 1));
  CHECK(open_to("H20", cn, 2024, 6));              // under both 2023 prongs
  CHECK_FALSE(open_to("H20", cn, 2025, 5));        // Apr 2025: licence required, none granted
  CHECK(open_to("H20", cn, 2025, 8));              // Aug 2025: licences with a 15 % share
  CHECK_FALSE(open_to("H20", cn, 2025, 9));        // Nvidia halted H20 after Aug 2025 (end of sale, PL:H20)
  CHECK_FALSE(open_to("B200", cn, 2026, 6));       // above the Jan 2026 ceiling
  CHECK(open_to("Ascend_910B", cn, 2024, 1));      // domestic products are never barred
}

namespace {
// Big licensed to CN from 2024-01 with the given extra keys, grey markets shut (enforcement 1).
std::string licensed_world(const std::string& keys, const std::string& more_events = "", const std::string& horizon = "2030-12") {
  std::string text = test::tiny_scenario(R"(
[[event]]
date = "2024-01"
action = "add_control"
id = "licence_big"
issuer = "US"
kind = "accelerator"
destinations = ["CN"]
treatment = "licence"
licence_fee = 0.1
)" + keys + R"(
[[event.prong]]
products = ["Big"]
)" + more_events, horizon);
  return text;
}
std::vector<double> flow(const State& s, const Model& m, const std::string& var, const std::string& product, const std::string& dest) {
  const auto& v = s.series.variable(var);
  const int j = *m.product_index(product), c = *m.country_index(dest), P = m.n_products(), C = m.n_countries();
  std::vector<double> out;
  for (int t = 0; t < m.n_periods(); ++t) out.push_back(v.data[static_cast<std::size_t>((t * P + j) * C + c)]);
  return out;
}
}  // namespace

TEST_CASE("licence decisions persist for their term: no month-to-month flicker", "[controls][licence]") {
  const std::string text = licensed_world("approval_probability = 0.5\nlicence_term_months = 12\n");
  const Model m = load_scenario_text(text, "tiny.toml");
  int granted_terms = 0, terms = 0;
  for (std::uint64_t seed : {1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u}) {
    const State s = test::run_text(text, seed);
    const auto status = flow(s, m, "licence_status", "Big", "CN");
    const int first = m.calendar.period_of(Month{2024, 1});
    for (int t = first; t < m.n_periods(); ++t) {
      REQUIRE(status[static_cast<std::size_t>(t)] != 0.0);  // a decision is always in force
      // The decision changes only when a 12-month term ends.
      if (t > first && status[static_cast<std::size_t>(t)] != status[static_cast<std::size_t>(t - 1)]) CHECK((t - first) % 12 == 0);
      if ((t - first) % 12 == 0) ++terms, granted_terms += status[static_cast<std::size_t>(t)] > 0;
    }
  }
  // 8 seeds x 7 terms = 56 decisions at p = 0.5: 28 expected, sd 3.7.
  CHECK(terms == 56);
  CHECK(granted_terms > 28 - 15);
  CHECK(granted_terms < 28 + 15);
}

TEST_CASE("licence quota: never exceeded, binds by rationing, a share of home shipments", "[controls][licence][quota]") {
  // A fixed quota well below CN's demand for Big, and a share-of-home quota.
  for (const std::string& keys : {std::string("quota_units_per_month = 300\n"), std::string("quota_share_of_home_shipments = 0.1\n")}) {
    const std::string text = licensed_world(keys);
    const Model m = load_scenario_text(text, "tiny.toml");
    const State s = test::run_text(text, 3);
    const auto units = flow(s, m, "units_sold", "Big", "CN"), quota = flow(s, m, "licence_quota", "Big", "CN");
    const auto wedge = flow(s, m, "quota_rationing", "Big", "CN"), home = flow(s, m, "units_sold", "Big", "US");
    const State open = test::run_text(licensed_world(""), 3);
    const auto unrationed = flow(open, m, "units_sold", "Big", "CN");
    // From the second licensed period: in the first, the share quota has no shipments to refer to.
    const int first = m.calendar.period_of(Month{2024, 1}) + 1;
    int binding = 0;
    for (int t = first; t < m.n_periods(); ++t) {
      const auto k = static_cast<std::size_t>(t);
      REQUIRE(std::isfinite(quota[k]));
      INFO("period " << t << " quota " << quota[k] << " home " << home[k - 1] << " units " << units[k] << " unrationed " << unrationed[k]);
      if (keys.find("share") != std::string::npos) CHECK(quota[k] == Approx(0.1 * home[k - 1]).epsilon(1e-12));
      CHECK(units[k] <= quota[k] * (1.0 + 2e-6) + 1e-9);  // never exceeded (to the solver tolerance)
      if (wedge[k] > 0) {
        ++binding;
        CHECK(units[k] == Approx(quota[k]).epsilon(2e-6));  // complementary slackness
      }
      if (unrationed[k] > quota[k] * 1.01) CHECK(wedge[k] > 0);  // binds where demand exceeds it
    }
    CHECK(binding > 0);
  }
}

TEST_CASE("revoked licences stop the flow in the revocation's period", "[controls][licence]") {
  const std::string revoke = R"(
[[event]]
date = "2025-03"
action = "revoke_licences"
id = "licence_big"
destinations = ["CN"]
)";
  const std::string text = licensed_world("approval_probability = 1.0\nlicence_term_months = 6\n", revoke) +
                           "\n[[government]]\ncountry = \"US\"\nenforcement = 1.0\n";
  const Model m = load_scenario_text(text, "tiny.toml");
  const State s = test::run_text(text, 4);
  const auto units = flow(s, m, "units_sold", "Big", "CN"), status = flow(s, m, "licence_status", "Big", "CN");
  const int at = m.calendar.period_of(Month{2025, 3});
  CHECK(units[static_cast<std::size_t>(at - 1)] > 0);
  for (int t = at; t < at + 6; ++t) {
    CHECK(units[static_cast<std::size_t>(t)] == 0.0);  // refused for one licence term
    CHECK(status[static_cast<std::size_t>(t)] == -1.0);
  }
  CHECK(status[static_cast<std::size_t>(at + 6)] == 1.0);  // then decided again (approval 1)
  CHECK(units[static_cast<std::size_t>(at + 6)] > 0);
}

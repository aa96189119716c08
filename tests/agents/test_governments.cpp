#include <catch2/catch.hpp>

#include <cmath>
#include <set>

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
const std::string kDenyBig = R"(
[[event]]
date = "2024-01"
action = "add_control"
id = "deny_big"
issuer = "US"
kind = "accelerator"
destinations = ["CN"]
treatment = "deny"
[[event.prong]]
tpp_ge = 4800
)";
// Self-sufficiency by units of accelerators: variable (t, kind, country), kind 0 = accelerator.
double self_sufficiency(const Run& r, int t, const char* country, const std::string& measure = "compute") {
  return value(r.state.series, ("self_sufficiency_" + measure).c_str(), t, static_cast<std::size_t>(*r.model.country_index(country)));
}
}  // namespace

TEST_CASE("a procurement mandate holds the domestic share at or above its floor", "[agents][mandate]") {
  const std::string base = test::tiny_scenario();
  const Run free = run(base);
  REQUIRE(self_sufficiency(free, 0, "CN") < 0.6);  // the floor binds
  const Run mandated = run(base + "\n[[government]]\ncountry = \"CN\"\nprocurement_mandate = 0.6\n");
  const std::size_t cn = static_cast<std::size_t>(*mandated.model.country_index("CN"));
  for (int t = 0; t < mandated.model.n_periods(); ++t) {
    CHECK(self_sufficiency(mandated, t, "CN") >= 0.6 - 1e-9);  // the binding floor holds ...
    // ... with about the smallest tax that meets it (trial taxes are solved to a pricing tolerance
    // of 1e-6, the answer to the run's)
    CHECK(self_sufficiency(mandated, t, "CN") <= 0.6 + 1e-6);
    CHECK(value(mandated.state.series, "mandate_shadow_tax", t, cn) > 0);
  }
  // Only Chinese buyers carry the tax (US buyers feel the mandate only through prices).
  CHECK(value(mandated.state.series, "mandate_shadow_tax", 0, static_cast<std::size_t>(*mandated.model.country_index("US"))) == 0.0);
  test::check_identities(mandated.model, mandated.state.series);
  // The government's measure decides what the floor counts: by units it holds on units.
  const Run by_units =
      run(base + "\n[[government]]\ncountry = \"CN\"\nprocurement_mandate = 0.6\nself_sufficiency_measure = \"units\"\n");
  for (int t = 0; t < by_units.model.n_periods(); ++t) {
    CHECK(self_sufficiency(by_units, t, "CN", "units") >= 0.6 - 1e-9);
    CHECK(self_sufficiency(by_units, t, "CN", "units") <= 0.6 + 1e-6);
    CHECK(std::abs(self_sufficiency(by_units, t, "CN", "compute") - 0.6) > 1e-3);  // the measure is what binds
  }
  // A floor out of reach at the largest tax: the tax sits at the cap and the floor stays unmet.
  std::string capped = base;
  capped.insert(capped.find("[[country]]"), "\n[parameters]\nmandate_max_shadow_tax_utils = 0.05\n");
  const Run unmet = run(capped + "\n[[government]]\ncountry = \"CN\"\nprocurement_mandate = 0.6\n");
  for (int t = 0; t < unmet.model.n_periods(); ++t) {
    CHECK(value(unmet.state.series, "mandate_shadow_tax", t, cn) == 0.05);
    CHECK(self_sufficiency(unmet, t, "CN") < 0.6);
    CHECK(value(unmet.state.series, "mandate_shortfall", t, cn) == Approx(0.6 - self_sufficiency(unmet, t, "CN")));  // recorded
    CHECK(value(mandated.state.series, "mandate_shortfall", t, cn) == 0.0);
    CHECK(self_sufficiency(unmet, t, "CN") > self_sufficiency(free, t, "CN"));
  }
}

TEST_CASE("weak enforcement lets banned flows leak through grey markets at a markup", "[agents][enforcement]") {
  // A flat markup (slope 0) is paid on every smuggled unit; the rising markup is tested in
  // tests/sim/markets/test_smuggling.cpp.
  const std::string text = test::tiny_scenario(kDenyBig);
  const Run tight = run(text);
  const Run leaky = run(text + "\n[[government]]\ncountry = \"US\"\nenforcement = 0.8\ngrey_market_markup = 0.5\n"
                               "grey_market_markup_slope = 0\n");
  const Model& m = leaky.model;
  const std::size_t C = static_cast<std::size_t>(m.n_countries()), cn = static_cast<std::size_t>(*m.country_index("CN"));
  const std::size_t big = static_cast<std::size_t>(*m.product_index("Big"));
  const Run open = run(test::tiny_scenario());
  for (int t = 0; t < m.n_periods(); ++t) {
    const double leaked = value(leaky.state.series, "units_sold", t, big * C + cn);
    CHECK(value(tight.state.series, "units_sold", t, big * C + cn) == 0.0);
    CHECK(leaked > 0.0);
    CHECK(leaked < value(open.state.series, "units_sold", t, big * C + cn));
    const double price = value(leaky.state.series, "price", t, big);
    CHECK(value(leaky.state.series, "grey_market_margin", t, cn) == Approx(0.5 * price * leaked).epsilon(1e-12));
  }
  test::check_identities(m, leaky.state.series);
}

namespace {
// The tiny world with a Dutch-made accelerator, and a US deny rule (on Big, for CN, from
// 2024-02) that NL adopts 3 months later with the given probability; `timing` adds keys to the
// rule's event (e.g. probability_per_month to make it stochastic).
std::string world_with_ally(double probability, const std::string& timing = "") {
  std::string world = test::tiny_scenario();
  world.replace(world.find("[[firm]]"), 8, "[[firm]]\nname = \"NLmaker\"\nhome = \"NL\"\nkind = \"accelerator\"\n[[firm]]");
  world.replace(world.find("[[country]]"), 11, "[[country]]\ncode = \"NL\"\n[[country]]");
  return world + R"(
[[product]]
name = "NLchip"
kind = "accelerator"
owner = "NLmaker"
launch = "2020-01"
tpp = 20000
appeal = 1.0
marginal_cost_usd = 5000
capacity_units_per_month = 1e9
)" + test::us_deny_rule("2024-02", "deny_big", 4800, timing) + R"(
[[event.ally]]
country = "NL"
lag_months = 3
probability = )" + std::to_string(probability) + "\n";
}
}  // namespace

TEST_CASE("allies mirror a rule for their own products after the lag, with the given probability", "[agents][allies]") {
  const Run sure = run(world_with_ally(1.0)), never = run(world_with_ally(0.0));
  const Model& m = sure.model;
  const std::size_t C = static_cast<std::size_t>(m.n_countries()), cn = static_cast<std::size_t>(*m.country_index("CN"));
  const std::size_t nl_chip = static_cast<std::size_t>(*m.product_index("NLchip")), big = static_cast<std::size_t>(*m.product_index("Big"));
  const int adopted = m.calendar.period_of(Month{2024, 5});
  for (int t = 0; t < m.n_periods(); ++t) {
    CHECK(value(sure.state.series, "available", t, nl_chip * C + cn) == (t >= adopted ? 0.0 : 1.0));
    CHECK(value(never.state.series, "available", t, nl_chip * C + cn) == 1.0);
    CHECK(value(sure.state.series, "available", t, big * C + cn) == (t >= 1 ? 0.0 : 1.0));  // the US rule itself
  }
}

TEST_CASE("allies adopt a stochastic rule only after it happens, the lag after it", "[agents][allies][events]") {
  // Never happens: no adoption either. Happens (at some month of its window): NL follows 3 later.
  const Run none = run(world_with_ally(1.0, "probability_per_month = 0.0\nuntil = \"2024-12\"\n"));
  const std::size_t C = static_cast<std::size_t>(none.model.n_countries()), cn = static_cast<std::size_t>(*none.model.country_index("CN"));
  const std::size_t nl_chip = static_cast<std::size_t>(*none.model.product_index("NLchip")),
                    big = static_cast<std::size_t>(*none.model.product_index("Big"));
  for (int t = 0; t < none.model.n_periods(); ++t) {
    CHECK(value(none.state.series, "available", t, big * C + cn) == 1.0);
    CHECK(value(none.state.series, "available", t, nl_chip * C + cn) == 1.0);
  }
  std::set<int> months;
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    const Run r = run(world_with_ally(1.0, "probability_per_month = 0.3\nuntil = \"2024-08\"\n"), seed);
    int happened = -1, adopted = -1;
    for (int t = 0; t < r.model.n_periods(); ++t) {
      if (happened < 0 && value(r.state.series, "available", t, big * C + cn) == 0.0) happened = t;
      if (adopted < 0 && value(r.state.series, "available", t, nl_chip * C + cn) == 0.0) adopted = t;
    }
    if (happened < 0) {
      CHECK(adopted < 0);
      continue;
    }
    CHECK(happened >= 1);  // not before the window opens (2024-02)
    CHECK(adopted == (happened + 3 < r.model.n_periods() ? happened + 3 : -1));
    months.insert(happened);
  }
  CHECK(months.size() >= 2);  // the rule happened at different months across the seeds
}

TEST_CASE("reaction rule: subsidies rise while self-sufficiency is under target", "[agents][reaction]") {
  const Run r = run(test::tiny_scenario() + R"(
[[government]]
country = "CN"
subsidy_budget_usd_per_month = 1e9
rd_subsidy_rate = 0.1
[government.reaction]
target_self_sufficiency = 0.95
rd_subsidy_step = 0.1
max_rd_subsidy_rate = 0.5
)");
  const std::size_t cn = static_cast<std::size_t>(*r.model.country_index("CN"));
  const double expected[] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.5, 0.5};
  for (int t = 0; t < 7; ++t) CHECK(value(r.state.series, "rd_subsidy_rate", t, cn) == Approx(expected[t]));
}

namespace {
// Operating profit of a firm in a period from the recorded series: revenue - licence fees -
// production cost (marginal cost x units) - HBM bought.
double profit_of(const Run& r, int t, const std::string& firm) {
  const Model& m = r.model;
  const std::size_t C = static_cast<std::size_t>(m.n_countries()), f = static_cast<std::size_t>(*m.firm_index(firm));
  double profit = -value(r.state.series, "fee_paid", t, f) - value(r.state.series, "hbm_spend", t, f);
  for (std::size_t c = 0; c < C; ++c) profit += value(r.state.series, "revenue", t, f * C + c);
  const std::size_t P = static_cast<std::size_t>(m.n_products());
  for (std::size_t j = 0; j < P; ++j) {
    if (static_cast<std::size_t>(m.products[j].owner) != f) continue;
    double units = 0;
    for (std::size_t c = 0; c < C; ++c) units += value(r.state.series, "units_sold", t, j * C + c);
    profit -= value(r.state.series, "marginal_cost", t, j) * units;
  }
  return profit;
}
const std::string kUsObjective = R"(
[[government]]
country = "US"
[government.objective]
profit = 1.0
fee_and_tariff_income = 2.0
compute_lead = 0.5
rival = "CN"
)";
}  // namespace

TEST_CASE("government scores follow their objective weights, flows annualised", "[agents][score]") {
  for (const std::string& period : {std::string("month"), std::string("quarter")}) {
    std::string text = test::tiny_scenario(kDenyBig) + kUsObjective;
    text.insert(text.find("seed = 7"), "period = \"" + period + "\"\n");
    const Run r = run(text);
    const Model& m = r.model;
    const double per_year = 12.0 / m.calendar.months_per_period;
    const std::size_t us = static_cast<std::size_t>(*m.country_index("US")), cn = static_cast<std::size_t>(*m.country_index("CN"));
    for (int t = 0; t < m.n_periods(); ++t) {
      const double profit = profit_of(r, t, "Nvidia");
      const double income = value(r.state.series, "fee_income", t, us) + value(r.state.series, "tariff_income", t, us);
      const double lead = std::log(value(r.state.series, "compute_stock", t, us) / value(r.state.series, "compute_stock", t, cn));
      CHECK(value(r.state.series, "government_score", t, us) ==
            Approx(per_year * profit / 1e9 + 2.0 * per_year * income / 1e9 + 0.5 * lead).epsilon(1e-9));
    }
  }
}

TEST_CASE("a licence fee is counted once: a transfer from the firm to its government", "[agents][score]") {
  // Big licensed to CN with a 20 % fee; a government weighing profit and income equally sees the
  // fee in neither more nor less than once: its score is the firms' profit gross of fees.
  const std::string licence = R"(
[[event]]
date = "2024-01"
action = "add_control"
id = "licence_big"
issuer = "US"
kind = "accelerator"
destinations = ["CN"]
treatment = "licence"
licence_fee = 0.2
[[event.prong]]
products = ["Big"]
)";
  const Run r = run(test::tiny_scenario(licence) + R"(
[[government]]
country = "US"
[government.objective]
profit = 1.0
fee_and_tariff_income = 1.0
)");
  const Model& m = r.model;
  const std::size_t us = static_cast<std::size_t>(*m.country_index("US"));
  const std::size_t F = static_cast<std::size_t>(m.n_firms());
  double fees = 0;
  for (int t = 0; t < m.n_periods(); ++t) {
    double fee_paid = 0;
    for (std::size_t f = 0; f < F; ++f) fee_paid += value(r.state.series, "fee_paid", t, f);
    fees += fee_paid;
    const double gross = profit_of(r, t, "Nvidia") + fee_paid;  // profit before fees
    const double tariffs = value(r.state.series, "tariff_income", t, us);
    CHECK(value(r.state.series, "government_score", t, us) == Approx(12.0 * (gross + tariffs) / 1e9).epsilon(1e-9));
  }
  CHECK(fees > 0);  // the licence was used
}

TEST_CASE("AI firms: capability from effective compute, budgets fed back by AI revenue", "[agents][ai_firms]") {
  const std::string text = with_keys(test::tiny_scenario(), "CNLab",
                                     "algorithmic_efficiency = 2.0\nefficiency_growth_per_month = 0.05\ncapability_exponent = 0.5\n"
                                     "revenue_per_capability_usd_per_month = 1e6\nreinvestment_share = 0.5\ncompute_depreciation_per_month = 0.02\n"
                                     "budget_growth_per_month = 0.03");
  const Run r = run(text);
  const std::size_t lab = static_cast<std::size_t>(*r.model.country_index("CN"));  // CNLab is ai_firm 1
  (void)lab;
  const std::size_t a = 1;
  double base = 3e8, stock = 0, eff = 2.0;
  for (int t = 0; t < r.model.n_periods(); ++t) {
    // The budget used in period t was set at the end of t-1.
    const double bought = value(r.state.series, "ai_firm_compute_stock", t, a) - 0.98 * stock;
    stock = value(r.state.series, "ai_firm_compute_stock", t, a);
    CHECK(bought > 0);
    eff *= 1.05;
    CHECK(value(r.state.series, "ai_firm_efficiency", t, a) == Approx(eff).epsilon(1e-12));
    const double capability = std::sqrt(stock * eff);
    CHECK(value(r.state.series, "ai_firm_capability", t, a) == Approx(capability).epsilon(1e-12));
    CHECK(value(r.state.series, "ai_firm_revenue", t, a) == Approx(1e6 * capability).epsilon(1e-12));
    base *= 1.03;
    CHECK(value(r.state.series, "ai_firm_budget", t, a) == Approx(base + 0.5 * 1e6 * capability).epsilon(1e-12));
  }
}

TEST_CASE("a mandate binds even when domestic supply is exhausted: foreign purchases fall to the floor's ratio",
          "[agents][mandate]") {
  // Ascend can make only 3,000 units a month (0.32 H100e each): far below a 60 % floor of China's
  // compute at free-market prices, so Chinese buyers must buy less foreign compute.
  std::string base = test::tiny_scenario();
  const std::string ascend = "marginal_cost_usd = 6000\ncapacity_units_per_month = 1e9";
  base.replace(base.find(ascend), ascend.size(), "marginal_cost_usd = 6000\ncapacity_units_per_month = 3000");
  const Run free = run(base);
  const Run mandated = run(base + "\n[[government]]\ncountry = \"CN\"\nprocurement_mandate = 0.6\n");
  const Model& m = mandated.model;
  const std::size_t C = static_cast<std::size_t>(m.n_countries()), cn = static_cast<std::size_t>(*m.country_index("CN"));
  for (int t = 0; t < m.n_periods(); ++t) {
    double domestic = 0, foreign = 0, foreign_free = 0;
    for (int j = 0; j < m.n_products(); ++j) {
      const std::size_t k = static_cast<std::size_t>(j) * C + cn;
      const double h = m.products[static_cast<std::size_t>(j)].performance_h100e;
      (m.products[static_cast<std::size_t>(j)].origin == static_cast<int>(cn) ? domestic : foreign) +=
          h * value(mandated.state.series, "units_sold", t, k);
      if (m.products[static_cast<std::size_t>(j)].origin != static_cast<int>(cn))
        foreign_free += h * value(free.state.series, "units_sold", t, k);
    }
    const std::size_t ascend = static_cast<std::size_t>(*m.product_index("Ascend"));
    double ascend_sold = 0;
    for (std::size_t d = 0; d < C; ++d) ascend_sold += value(mandated.state.series, "units_sold", t, ascend * C + d);
    CHECK(ascend_sold == Approx(3000).epsilon(1e-9));  // domestic supply exhausted
    CHECK(domestic > 0);
    CHECK(foreign <= domestic * 0.4 / 0.6 * (1 + 1e-9));            // the floor's ratio: at most ...
    CHECK(foreign == Approx(domestic * 0.4 / 0.6).epsilon(1e-5));  // ... and about it
    CHECK(foreign < foreign_free);
  }
}

TEST_CASE("a slack mandate changes nothing", "[agents][mandate]") {
  const std::string base = test::tiny_scenario();
  const Run free = run(base);
  REQUIRE(self_sufficiency(free, 0, "CN") > 0.01);
  const Run slack = run(base + "\n[[government]]\ncountry = \"CN\"\nprocurement_mandate = 0.01\n");
  CHECK(slack.state.series.variable("price").data == free.state.series.variable("price").data);
  CHECK(slack.state.series.variable("units_sold").data == free.state.series.variable("units_sold").data);
  for (double tax : slack.state.series.variable("mandate_shadow_tax").data) CHECK(tax == 0.0);
}

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "experiments/compare.hpp"
#include "sim/pipeline/pipeline.hpp"
#include "sim/scenario/scenario.hpp"
#include "support/identities.hpp"
#include "support/scenario_edit.hpp"
#include "support/worlds.hpp"

using namespace chipsim;
namespace fs = std::filesystem;

namespace {
const std::string kScenarios = std::string(CHIPSIM_SOURCE_DIR) + "/experiments/scenarios/";

State run(const Model& m, std::uint64_t seed) {
  RunOptions o;
  o.seed = seed;
  return run_model(m, o);
}

// First period in which any recorded variable differs between two runs (n_periods if none).
int first_difference(const Series& a, const Series& b) {
  const std::size_t T = a.n_periods();
  for (std::size_t t = 0; t < T; ++t)
    for (std::size_t k = 0; k < a.variables().size(); ++k) {
      const Variable& va = a.variables()[k];
      const Variable& vb = b.variables()[k];
      if (std::memcmp(va.data.data() + t * va.row_size, vb.data.data() + t * vb.row_size, va.row_size * sizeof(double)) != 0)
        return static_cast<int>(t);
    }
  return static_cast<int>(T);
}

// Writes files into a fresh temporary folder for extend tests.
struct TempDir {
  fs::path path;
  TempDir() : path(fs::temp_directory_path() / ("chipsim_extend_" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path / name) << text;
    return (path / name).string();
  }
};
}  // namespace

TEST_CASE("every shipped scenario loads, runs and conserves money and units", "[scenarios]") {
  for (const char* name : {"history", "no_controls", "hbm_relax_older_gen", "full_decoupling", "tariff_for_chips", "taiwan_outage"}) {
    INFO(name);
    const Model m = load_scenario(kScenarios + name + ".toml");
    CHECK(m.name == name);
    const State s = run(m, m.default_seed);
    test::check_identities(m, s.series);
  }
}

TEST_CASE("each kind of event takes effect in exactly its period", "[scenarios][events]") {
  const std::string base = test::tiny_scenario("", "2025-06");
  const Model plain = load_scenario_text(base, "tiny.toml");
  const State reference = run(plain, 9);
  const std::vector<std::string> events = {
      "action = \"add_control\"\nid = \"x\"\nissuer = \"US\"\nkind = \"accelerator\"\ndestinations = [\"CN\"]\ntreatment = \"deny\"\n[[event.prong]]\ntpp_ge = 4800\n",
      "action = \"set_tariff\"\nimporter = \"CN\"\norigin = \"US\"\nkind = \"accelerator\"\nrate = 0.25\n",
      "action = \"set_government\"\ncountry = \"CN\"\nprocurement_mandate = 0.6\n",
      "action = \"supply_shock\"\nfirms = [\"Nvidia\"]\ncapacity_factor = 0.0001\nmonths = 2\n",
      "action = \"demand_shock\"\ncountry = \"CN\"\nbudget_factor = 2.0\n",
  };
  for (const std::string& e : events) {
    INFO(e);
    const Model m = load_scenario_text(base + "\n[[event]]\ndate = \"2024-07-15\"\n" + e, "tiny.toml");
    CHECK(first_difference(reference.series, run(m, 9).series) == m.calendar.period_of(Month{2024, 7}));
  }
  // modify_control and remove_control act in their own period, after the rule was added.
  const std::string rule =
      "\n[[event]]\ndate = \"2024-03\"\naction = \"add_control\"\nid = \"lic\"\nissuer = \"US\"\nkind = \"accelerator\"\n"
      "destinations = [\"CN\"]\ntreatment = \"licence\"\nlicence_fee = 0.1\n[[event.prong]]\nproducts = [\"Big\"]\n";
  const Model with_rule = load_scenario_text(base + rule, "tiny.toml");
  const State ruled = run(with_rule, 9);
  for (const std::string& e : {std::string("action = \"modify_control\"\nid = \"lic\"\nlicence_fee = 0.2\n"),
                               std::string("action = \"remove_control\"\nid = \"lic\"\n")}) {
    INFO(e);
    const Model m = load_scenario_text(base + rule + "\n[[event]]\ndate = \"2024-10\"\n" + e, "tiny.toml");
    CHECK(first_difference(ruled.series, run(m, 9).series) == m.calendar.period_of(Month{2024, 10}));
  }
}

TEST_CASE("a supply shock lasts its months, then capacity is back", "[scenarios][events]") {
  const Model m = load_scenario_text(
      test::tiny_scenario("\n[[event]]\ndate = \"2024-03\"\naction = \"supply_shock\"\nproducts = [\"Ascend\"]\ncapacity_factor = 0.25\nmonths = 3\n"),
      "tiny.toml");
  const State s = run(m, 1);
  const auto& cap = s.series.variable("effective_capacity");
  const std::size_t P = static_cast<std::size_t>(m.n_products()), j = static_cast<std::size_t>(*m.product_index("Ascend"));
  for (int t = 0; t < m.n_periods(); ++t) {
    const bool shocked = t >= 2 && t < 5;
    CHECK(cap.data[static_cast<std::size_t>(t) * P + j] == (shocked ? 0.25e9 : 1e9));
  }
}

TEST_CASE("a stochastic event happens at most once, with its probability per period", "[scenarios][events]") {
  const std::string text = test::tiny_scenario(
      "\n[[event]]\ndate = \"2024-01\"\nuntil = \"2024-04\"\nprobability_per_month = 0.2\naction = \"set_tariff\"\nimporter = \"CN\"\n"
      "origin = \"US\"\nkind = \"accelerator\"\nrate = 1.0\n");
  const Model m = load_scenario_text(text, "tiny.toml");
  const std::size_t C = static_cast<std::size_t>(m.n_countries());
  int happened = 0;
  const int seeds = 500;
  for (int seed = 1; seed <= seeds; ++seed) {
    const State s = run(m, static_cast<std::uint64_t>(seed));
    const auto& income = s.series.variable("tariff_income").data;  // (t, country)
    int first = -1;
    for (int t = 0; t < m.n_periods() && first < 0; ++t)
      if (income[static_cast<std::size_t>(t) * C + static_cast<std::size_t>(*m.country_index("CN"))] > 0) first = t;
    if (first >= 0) {
      ++happened;
      CHECK(first <= 3);  // only inside its window
    }
  }
  const double p = 1 - std::pow(0.8, 4), sd = std::sqrt(p * (1 - p) / seeds);
  CHECK(std::abs(double(happened) / seeds - p) < 4 * sd);
}

TEST_CASE("extend: override, merge, add and drop as documented", "[scenarios][extend]") {
  TempDir dir;
  dir.write("base.toml", test::tiny_scenario(
                             "\n[[event]]\ndate = \"2024-02\"\naction = \"add_control\"\nid = \"keep\"\nissuer = \"US\"\nkind = \"accelerator\"\n"
                             "destinations = [\"CN\"]\ntreatment = \"deny\"\n[[event.prong]]\nproducts = [\"Small\"]\n"
                             "\n[[event]]\ndate = \"2024-03\"\naction = \"add_control\"\nid = \"gone\"\nissuer = \"US\"\nkind = \"accelerator\"\n"
                             "destinations = [\"CN\"]\ntreatment = \"deny\"\n[[event.prong]]\ntpp_ge = 4800\n"));
  const std::string child = dir.write("child.toml", R"(
[extend]
base = "base.toml"
drop_events = ["gone"]

[scenario]
name = "child"          # overrides the base's name; start and horizon are inherited

[parameters]
utility_per_log_performance = 2.5

[[product]]
name = "Big"
marginal_cost_usd = 4500   # only this key of the base's product changes

[[product]]
name = "Newcomer"
kind = "accelerator"
owner = "Huawei"
launch = "2024-06"
tpp = 8000
marginal_cost_usd = 5000
capacity_units_per_month = 1000

[[event]]
date = "2024-05"
action = "set_tariff"
importer = "CN"
origin = "US"
kind = "accelerator"
rate = 0.1
)");
  const Model m = load_scenario(child);
  CHECK(m.name == "child");
  CHECK(m.calendar.start == Month{2024, 1});
  CHECK(m.parameters.utility_per_log_performance == 2.5);
  const Product& big = m.products[*m.product_index("Big")];
  CHECK(big.marginal_cost_usd == 4500);
  CHECK(big.attributes[static_cast<int>(Attribute::tpp)] == 15832);  // inherited
  CHECK(m.product_index("Newcomer"));
  REQUIRE(m.events.size() == 2);
  CHECK_THAT(m.events[0].effect->describe(), Catch::StartsWith("add control rule keep: "));
  CHECK(m.events[1].action == "set_tariff");
  CHECK_THAT(m.scenario_text, Catch::Contains("extends"));
  CHECK_THAT(m.scenario_text, Catch::Contains("Newcomer"));
  // The resolved text is a complete scenario: it loads on its own to the same world.
  const Model again = load_scenario_text(m.scenario_text, "resolved.toml");
  CHECK(again.n_products() == m.n_products());
  CHECK(again.events.size() == m.events.size());

  SECTION("errors name the file they come from") {
    const std::string bad = dir.write("bad.toml", "[extend]\nbase = \"base.toml\"\ndrop_events = [\"nope\"]\n");
    CHECK_THROWS_WITH(load_scenario(bad), Catch::Contains("bad.toml:3:") && Catch::Contains("no event with id \"nope\""));
    const std::string missing = dir.write("missing.toml", "[extend]\nbase = \"absent.toml\"\n");
    CHECK_THROWS_WITH(load_scenario(missing), Catch::Contains("missing.toml:2:") && Catch::Contains("absent.toml"));
    dir.write("loop_a.toml", "[extend]\nbase = \"loop_b.toml\"\n");
    const std::string loop = dir.write("loop_b.toml", "[extend]\nbase = \"loop_a.toml\"\n");
    CHECK_THROWS_WITH(load_scenario(loop), Catch::Contains("too deeply"));
    // A bad value inherited from the base is reported at the base file's line.
    std::string base_text = test::tiny_scenario();
    base_text.replace(base_text.find("marginal_cost_usd = 6000"), 24, "marginal_cost_usd = -1");
    dir.write("bad_base.toml", base_text);
    const std::string on_bad = dir.write("on_bad.toml", "[extend]\nbase = \"bad_base.toml\"\n");
    CHECK_THROWS_WITH(load_scenario(on_bad), Catch::Contains("bad_base.toml:") && Catch::Contains("marginal_cost_usd"));
  }
}

TEST_CASE("compare: revenue loss and gaps against the baseline with common random numbers", "[scenarios][compare]") {
  ComparisonRequest r;
  r.policy_path = kScenarios + "history.toml";
  r.baseline_path = kScenarios + "no_controls.toml";
  const ScenarioComparison c = compare_scenarios(r);
  const std::size_t F = static_cast<std::size_t>(c.policy.n_firms()), C = static_cast<std::size_t>(c.policy.n_countries());
  const std::size_t nv = static_cast<std::size_t>(*c.policy.firm_index("Nvidia"));
  double loss = 0, policy = 0, base = 0;
  for (std::size_t t = 0; t < c.effects.n_periods(); ++t) {
    for (std::size_t k = 0; k < C; ++k) {
      policy += c.policy_series.variable("revenue").data[(t * F + nv) * C + k];
      base += c.baseline_series.variable("revenue").data[(t * F + nv) * C + k];
    }
    loss += c.effects.variable("revenue_loss").data[t * F + nv];
  }
  CHECK(loss == Approx(base - policy).epsilon(1e-12));
  CHECK(loss > 0);  // controls cost Nvidia revenue
  // Before the first rule (Oct 2022) the two runs are identical: same seed, same world.
  const int first_rule = c.policy.calendar.period_of(Month{2022, 10});
  CHECK(first_difference(c.policy_series, c.baseline_series) == first_rule);
}

TEST_CASE("a supply shock on a product also hits its design-around variant, once", "[scenarios][events]") {
  std::string text = test::tiny_scenario(test::us_deny_rule("2024-03", "deny_4800", 4800) + R"(
[[event]]
date = "2024-08"
action = "supply_shock"
products = ["Big"]
firms = ["Nvidia"]
capacity_factor = 0.5
months = 2
)");
  const std::string firm = "name = \"Nvidia\"\n";
  text.insert(text.find(firm) + firm.size(), "design_around = true\ndesign_around_lag_months = 1\n");
  const Model m = load_scenario_text(text, "tiny.toml");
  const State s = run(m, 1);
  const auto& cap = s.series.variable("effective_capacity");
  const std::size_t P = static_cast<std::size_t>(m.n_products());
  const std::size_t variant = static_cast<std::size_t>(*m.product_index("Big_deny_4800_variant"));
  const std::size_t big = static_cast<std::size_t>(*m.product_index("Big"));
  for (int t = 0; t < m.n_periods(); ++t) {
    const bool shocked = t >= 7 && t < 9;  // Aug-Sep 2024: halved, not quartered (selected twice)
    CHECK(cap.data[static_cast<std::size_t>(t) * P + big] == (shocked ? 0.5e9 : 1e9));
    if (t >= 3) CHECK(cap.data[static_cast<std::size_t>(t) * P + variant] == (shocked ? 0.5e9 : 1e9));
  }
}

TEST_CASE("a stochastic rule's design-around variant goes on sale only after the rule happens", "[scenarios][events]") {
  auto scenario = [](const std::string& timing) {
    std::string text = test::tiny_scenario(test::us_deny_rule("2024-03", "deny_4800", 4800, timing));
    const std::string firm = "name = \"Nvidia\"\n";
    text.insert(text.find(firm) + firm.size(), "design_around = true\ndesign_around_lag_months = 2\n");
    return text;
  };
  const test::Run never = test::run(scenario("probability_per_month = 0.0\nuntil = \"2024-10\"\n"));
  const Model& m = never.model;
  const std::size_t C = static_cast<std::size_t>(m.n_countries()), cn = static_cast<std::size_t>(*m.country_index("CN"));
  const std::size_t big = static_cast<std::size_t>(*m.product_index("Big"));
  const std::size_t variant = static_cast<std::size_t>(*m.product_index("Big_deny_4800_variant"));
  for (int t = 0; t < m.n_periods(); ++t) {
    CHECK(test::value(never.state.series, "available", t, variant * C + cn) == 0.0);
    CHECK(test::value(never.state.series, "units_sold", t, variant * C + cn) == 0.0);
  }
  // The first seed whose rule happens after the window opened (2024-03, period 2), so that
  // "date + lag" would be too early; every seed's variant follows its rule by the lag.
  int checked = 0, late = 0;
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    const test::Run sometime = test::run(scenario("probability_per_month = 0.25\nuntil = \"2024-10\"\n"), seed);
    int happened = -1, on_sale = -1;
    for (int t = 0; t < m.n_periods(); ++t) {
      if (happened < 0 && test::value(sometime.state.series, "available", t, big * C + cn) == 0.0) happened = t;
      if (on_sale < 0 && test::value(sometime.state.series, "available", t, variant * C + cn) == 1.0) on_sale = t;
    }
    if (happened < 0) continue;  // the rule never happened within its window for this seed
    ++checked;
    late += happened > 2;
    CHECK(on_sale == happened + 2);
  }
  CHECK(checked >= 6);
  CHECK(late >= 2);
}

TEST_CASE("the two baselines: no_controls drops China's responses too, no_us_controls keeps them",
          "[scenarios][baselines]") {
  const std::string dir = std::string(CHIPSIM_SOURCE_DIR) + "/experiments/scenarios/";
  const Model history = load_scenario(dir + "history.toml");
  const Model none = load_scenario(dir + "no_controls.toml");
  const Model us_only = load_scenario(dir + "no_us_controls.toml");
  auto count = [](const Model& m, const std::string& action) {
    int n = 0;
    for (const Event& e : m.events) n += e.action == action;
    return n;
  };
  for (const char* control : {"add_control", "modify_control", "remove_control"}) {
    CHECK(count(history, control) > 0);
    CHECK(count(none, control) == 0);
    CHECK(count(us_only, control) == 0);
  }
  // China's 2025 tariff on US chips and its procurement floor.
  CHECK(count(history, "set_tariff") >= 1);
  CHECK(count(history, "set_government") >= 1);
  CHECK(count(none, "set_tariff") == 0);
  CHECK(count(none, "set_government") == 0);
  CHECK(count(us_only, "set_tariff") == count(history, "set_tariff"));
  CHECK(count(us_only, "set_government") == count(history, "set_government"));
  // Run: with China's policy as enacted, Chinese buyers pay the tariff on US chips from 2025-06.
  RunOptions o;
  o.seed = history.default_seed;
  const State a = run_model(none, o), b = run_model(us_only, o);
  const int cn = *history.country_index("CN");
  const int t = history.calendar.period_of(Month{2025, 6});
  const auto& tariffs_none = a.series.variable("tariff_income").data;
  const auto& tariffs_us = b.series.variable("tariff_income").data;
  const std::size_t C = static_cast<std::size_t>(history.n_countries());
  CHECK(tariffs_none[static_cast<std::size_t>(t) * C + static_cast<std::size_t>(cn)] == 0.0);
  CHECK(tariffs_us[static_cast<std::size_t>(t) * C + static_cast<std::size_t>(cn)] > 0.0);
  // ... and its procurement floor binds from 2025-11 (a shadow tax on foreign chips), never without it.
  const int m = history.calendar.period_of(Month{2026, 1});
  CHECK(b.series.variable("mandate_shadow_tax").data[static_cast<std::size_t>(m) * C + static_cast<std::size_t>(cn)] > 0.0);
  for (double x : a.series.variable("mandate_shadow_tax").data) CHECK(x == 0.0);
}

TEST_CASE("compare: the revenue loss splits exactly into focus-country volume, diversion and price",
          "[compare][decomposition]") {
  ComparisonRequest r;
  r.policy_path = std::string(CHIPSIM_SOURCE_DIR) + "/experiments/scenarios/history.toml";
  r.baseline_path = std::string(CHIPSIM_SOURCE_DIR) + "/experiments/scenarios/no_controls.toml";
  const ScenarioComparison c = compare_scenarios(r);
  const Series& e = c.effects;
  const std::size_t F = static_cast<std::size_t>(c.policy.n_firms());
  double big = 0;
  for (std::size_t t = 0; t < e.n_periods(); ++t)
    for (std::size_t f = 0; f < F; ++f) {
      const double loss = e.variable("revenue_loss").data[t * F + f];
      const double parts = e.variable("revenue_loss_volume").data[t * F + f] + e.variable("revenue_loss_diversion").data[t * F + f] +
                           e.variable("revenue_loss_price").data[t * F + f];
      CHECK(parts == Approx(loss).margin(1e-6 * std::max(1.0, e.variable("revenue_baseline").data[t * F + f])));
      big = std::max(big, std::abs(e.variable("revenue_loss_volume").data[t * F + f]));
      // profit loss = baseline profit - policy profit
      CHECK(e.variable("profit_loss").data[t * F + f] ==
            Approx(e.variable("profit_baseline").data[t * F + f] - e.variable("profit_policy").data[t * F + f]));
    }
  CHECK(big > 0);  // the controls do move China volumes
  // A percentage only against a base above the threshold: a firm with a baseline below 5 USD bn
  // (Moore Threads) gets none, one above (Nvidia) gets one.
  const auto base_of = [&](const char* firm) {
    const auto f = static_cast<std::size_t>(*c.policy.firm_index(firm));
    double sum = 0;
    for (std::size_t t = 0; t < e.n_periods(); ++t) sum += e.variable("revenue_baseline").data[t * F + f];
    return sum;
  };
  REQUIRE(base_of("Moore_Threads") < 5e9);
  REQUIRE(base_of("Nvidia") > 5e9);
  std::ostringstream out;
  print_comparison(c, "CN", out, 5.0);
  const std::string text = out.str();
  const auto line_of = [&](const char* firm) {  // the revenue table's row of the firm
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);)
      if (const auto at = line.find_first_not_of(' '); at != std::string::npos && line.compare(at, std::strlen(firm) + 1, std::string(firm) + " ") == 0)
        return line;
    FAIL("no row for " << firm);
    return std::string();
  };
  CHECK(line_of("Moore_Threads").find('%') == std::string::npos);
  CHECK(line_of("Nvidia").find('%') != std::string::npos);
  CHECK_THAT(text, Catch::Contains("loss % only where the baseline revenue is at least 5 USD bn"));
}

TEST_CASE("extend.set sets keys by path after the merge, with located errors", "[scenarios][extend]") {
  TempDir dir;
  const std::string base = dir.write("base.toml", test::tiny_scenario());
  const Model plain = load_scenario(base);
  const std::string head = "[extend]\nbase = \"base.toml\"\n[extend.set]\n";
  const Model set = load_scenario(dir.write("set.toml", head + "\"firm.Nvidia.rd_share\" = 0.3\n\"product.Big.appeal\" = 2.5\n"));
  const auto nv = static_cast<std::size_t>(*set.firm_index("Nvidia"));
  CHECK(set.firms[nv].rd_share == 0.3);
  CHECK(plain.firms[nv].rd_share != 0.3);
  // The same as an experiment's override of the path.
  const Model overridden = load_scenario(base, {{"firm.Nvidia.rd_share", 0.3}, {"product.Big.appeal", 2.5}});
  CHECK(overridden.firms[nv].rd_share == set.firms[nv].rd_share);
  const auto big = static_cast<std::size_t>(*set.product_index("Big"));
  CHECK(set.products[big].appeal == 2.5);
  CHECK(overridden.products[big].appeal == 2.5);
  auto error_of = [&](const std::string& text) {
    try {
      load_scenario(dir.write("bad.toml", text));
    } catch (const ScenarioError& e) {
      return std::string(e.what());
    }
    FAIL("no error");
    return std::string();
  };
  CHECK_THAT(error_of(head + "\"firm.Nobody.rd_share\" = 0.3\n"), Catch::Contains("bad.toml:4:") && Catch::Contains("no firm named Nobody"));
  CHECK_THAT(error_of(head + "\"firm.Nvidia.rd_share\" = \"high\"\n"), Catch::Contains("bad.toml:4:") && Catch::Contains("must be a number"));
  CHECK_THAT(error_of(head + "\"firm.Nvidia.rd_share\" = 7\n"), Catch::Contains("rd_share"));  // range checked as the file's own
}

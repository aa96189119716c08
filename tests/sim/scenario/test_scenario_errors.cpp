#include <catch2/catch.hpp>

#include <regex>

#include "sim/scenario/scenario.hpp"
#include "support/scenario_edit.hpp"
#include "support/worlds.hpp"

using namespace chipsim;

namespace {
using test::error_of;
int line_of(const std::string& text, const std::string& needle) {
  const auto pos = text.find(needle);
  REQUIRE(pos != std::string::npos);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n'));
}
void replace(std::string& s, const std::string& from, const std::string& to) {
  const auto pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  s.replace(pos, from.size(), to);
}
}  // namespace

TEST_CASE("the tiny scenario itself is valid", "[scenario]") {
  const Model m = load_scenario_text(test::tiny_scenario(), "tiny.toml");
  CHECK(m.n_products() == 3);
  CHECK(m.n_ai_firms() == 2);
  CHECK(m.n_periods() == 12);
}

TEST_CASE("scenario errors name file, line, column and field", "[scenario][errors]") {
  SECTION("negative tariff") {
    const std::string t = test::tiny_scenario("\n[[tariff]]\nimporter = \"CN\"\norigin = \"US\"\nkind = \"accelerator\"\nrate = -0.3\n");
    const std::string e = error_of(t);
    CHECK_THAT(e, Catch::Contains("bad.toml:" + std::to_string(line_of(t, "rate = -0.3")) + ":"));
    CHECK_THAT(e, Catch::Contains("tariff[0].rate"));
    CHECK_THAT(e, Catch::Contains("must be in [0, 5], got -0.3"));
  }
  SECTION("the removed HBM logit key names its replacement") {
    std::string t = test::tiny_scenario();
    replace(t, "name = \"Huawei\"\nhome = \"CN\"\nkind = \"accelerator\"",
            "name = \"Huawei\"\nhome = \"CN\"\nkind = \"accelerator\"\nhbm_price_sensitivity_per_kusd = 10");
    const std::string e = error_of(t);
    CHECK_THAT(e, Catch::Contains(":" + std::to_string(line_of(t, "hbm_price_sensitivity_per_kusd")) + ":"));
    CHECK_THAT(e, Catch::Contains("firm[1].hbm_price_sensitivity_per_kusd: was removed") && Catch::Contains("hbm_markup"));
  }
  SECTION("an outside HBM buyer with an unknown generation, and hbm_markup on an accelerator maker") {
    const std::string t = test::tiny_scenario(
        "\n[[hbm_buyer]]\nname = \"tpu\"\ncountry = \"US\"\nhbm_generation_min = \"HBM9\"\nstacks_per_month = 1\nvalue_per_stack_usd = 100\n");
    const std::string e = error_of(t);
    CHECK_THAT(e, Catch::Contains(":" + std::to_string(line_of(t, "HBM9")) + ":"));
    CHECK_THAT(e, Catch::Contains("hbm_buyer[0].hbm_generation_min: unknown HBM generation \"HBM9\""));
    std::string u = test::tiny_scenario();
    replace(u, "name = \"Huawei\"\nhome = \"CN\"\nkind = \"accelerator\"",
            "name = \"Huawei\"\nhome = \"CN\"\nkind = \"accelerator\"\nhbm_markup = 1");
    CHECK_THAT(error_of(u), Catch::Contains("firm[1].hbm_markup: unknown key"));
  }
  SECTION("unknown firm") {
    std::string t = test::tiny_scenario();
    replace(t, "owner = \"Huawei\"", "owner = \"Huawai\"");
    const std::string e = error_of(t);
    CHECK_THAT(e, Catch::Contains(":" + std::to_string(line_of(t, "Huawai")) + ":"));
    CHECK_THAT(e, Catch::Contains("product[2].owner: unknown firm \"Huawai\""));
  }
  SECTION("unknown key is an error, not ignored") {
    std::string t = test::tiny_scenario();
    replace(t, "price_sensitivity_per_kusd = 0.08", "price_sensitivity_per_kusd = 0.08\nbudget_growht_per_month = 0.1");
    const std::string e = error_of(t);
    CHECK_THAT(e, Catch::Contains("bad.toml:" + std::to_string(line_of(t, "budget_growht")) + ":1:"));
    CHECK_THAT(e, Catch::Contains("ai_firm[0].budget_growht_per_month: unknown key"));
  }
  SECTION("unknown country in an event") {
    const std::string t = test::tiny_scenario(
        "\n[[event]]\ndate = \"2024-03\"\naction = \"add_control\"\nid = \"x\"\nissuer = \"US\"\nkind = \"accelerator\"\n"
        "destinations = [\"RU\"]\ntreatment = \"deny\"\n[[event.prong]]\ntpp_ge = 1\n");
    CHECK_THAT(error_of(t), Catch::Contains("event[0].destinations: unknown country \"RU\""));
  }
  SECTION("unknown product attribute in a rule") {
    const std::string t = test::tiny_scenario(
        "\n[[event]]\ndate = \"2024-03\"\naction = \"add_control\"\nid = \"x\"\nissuer = \"US\"\nkind = \"accelerator\"\n"
        "destinations = [\"CN\"]\ntreatment = \"deny\"\n[[event.prong]]\ntops_ge = 1\n");
    CHECK_THAT(error_of(t), Catch::Contains("tops_ge: unknown product attribute \"tops\""));
  }
  SECTION("modifying a rule that is not in force") {
    const std::string t = test::tiny_scenario("\n[[event]]\ndate = \"2024-03\"\naction = \"modify_control\"\nid = \"nope\"\nlicence_fee = 0.1\n");
    const std::string e = error_of(t);
    CHECK_THAT(e, Catch::Contains("bad.toml:" + std::to_string(line_of(t, "[[event]]")) + ":"));
    CHECK_THAT(e, Catch::Contains("no rule \"nope\" is in force"));
  }
  SECTION("unknown action") {
    const std::string t = test::tiny_scenario("\n[[event]]\ndate = \"2024-03\"\naction = \"ban_everything\"\n");
    CHECK_THAT(error_of(t), Catch::Contains("event[0].action: unknown action \"ban_everything\""));
  }
  SECTION("malformed date") {
    std::string t = test::tiny_scenario();
    replace(t, "start = \"2024-01\"", "start = \"2024-13\"");
    CHECK_THAT(error_of(t), Catch::Contains("scenario.start: must be a date"));
  }
  SECTION("wrong type") {
    std::string t = test::tiny_scenario();
    replace(t, "marginal_cost_usd = 5000", "marginal_cost_usd = \"cheap\"");
    CHECK_THAT(error_of(t), Catch::Contains("product[0].marginal_cost_usd: must be a number, got a string"));
  }
  SECTION("TOML syntax error") {
    std::string t = test::tiny_scenario();
    replace(t, "seed = 7", "seed = = 7");
    const std::string e = error_of(t);
    CHECK_THAT(e, Catch::Contains("bad.toml:" + std::to_string(line_of(t, "seed = = 7")) + ":"));
    CHECK_THAT(e, Catch::Contains("TOML syntax error"));
  }
  SECTION("duplicate names") {
    std::string t = test::tiny_scenario();
    replace(t, "name = \"Small\"", "name = \"Big\"");
    CHECK_THAT(error_of(t), Catch::Contains("duplicate product \"Big\""));
  }
  SECTION("unknown demand model") {
    const std::string t = test::tiny_scenario("\n[demand]\nmodel = \"probit\"\n");
    CHECK_THAT(error_of(t), Catch::Contains("demand.model: unknown demand model \"probit\""));
  }
}

TEST_CASE("a missing scenario file is an IoError naming the path", "[scenario][errors]") {
  try {
    load_scenario("/nonexistent/dir/none.toml");
    FAIL("loaded a missing file");
  } catch (const IoError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("/nonexistent/dir/none.toml"));
  }
}

TEST_CASE("quarterly periods convert monthly figures", "[scenario]") {
  std::string t = test::tiny_scenario();
  replace(t, "seed = 7", "seed = 7\nperiod = \"quarter\"");
  const Model q = load_scenario_text(t, "q.toml");
  const Model m = load_scenario_text(test::tiny_scenario(), "m.toml");
  CHECK(q.n_periods() == 4);
  CHECK(q.ai_firms[0].budget_usd_per_month == m.ai_firms[0].budget_usd_per_month);  // stepped monthly in the run
  CHECK(q.products[0].capacity_units == Approx(3 * m.products[0].capacity_units));
}

TEST_CASE("a stochastic event's window spans the same months at a monthly and a quarterly step", "[scenario]") {
  const std::string event = R"(
[[event]]
date = "2024-01"
action = "set_tariff"
importer = "CN"
origin = "US"
kind = "accelerator"
rate = 0.1
probability_per_month = 0.2
until = "2024-03"
)";
  std::string quarterly = test::tiny_scenario(event);
  replace(quarterly, "seed = 7", "seed = 7\nperiod = \"quarter\"");
  const Model q = load_scenario_text(quarterly, "q.toml");
  const Model m = load_scenario_text(test::tiny_scenario(event), "m.toml");
  REQUIRE(q.events.size() == 1);
  CHECK(m.events[0].period == 0);
  CHECK(m.events[0].until_period == 2);  // January to March
  CHECK(q.events[0].period == 0);
  CHECK(q.events[0].until_period == 0);  // the first quarter: the same three months
}

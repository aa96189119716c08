// ASSUMPTION marks (sim/scenario/assumptions.hpp): which keys a scenario's comments mark, their
// paths, and that the marks survive `extend` and a round trip through a stored scenario text.
#include <catch2/catch.hpp>

#include <map>

#include "sim/scenario/assumptions.hpp"
#include "sim/scenario/scenario.hpp"

using namespace chipsim;

namespace {
std::map<std::string, std::string> marks_of(const std::string& text) {
  std::map<std::string, std::string> m;
  for (const Assumption& a : find_assumptions(text)) m[a.path] = a.note;
  return m;
}
}  // namespace

TEST_CASE("ASSUMPTION marks: blocks, trailing comments, sources, sections and identities", "[scenario][assumptions]") {
  const std::string text = R"(# A header comment without the word.
[parameters]
# Demand that waits. ASSUMPTION (range 0-0.8):
# budgets slip rather than vanish.
budget_carryover_share = 0.5
budget_carryover_decay_per_year = 0.5
reference_tpp = 15832   # CS:H100 (a source, not an assumption)
# Solver settings.
pricing_tolerance = 1e-10

unmarked = 3

# -------------------------------------------------
# Products. Costs: ASSUMPTION unless cited.
# -------------------------------------------------
[[product]]
kind = "accelerator"
name = "H20"
capacity = 120000   # ASSUMPTION: ~1M units in 2024
label = "a # inside a string, ASSUMPTION not a comment"

[[event]]
date = "2025-05"
source = "ASSUMPTION: a retaliatory tariff"
id = "cn_tariff"
    [[event.prong]]
    tpp_ge = 4800   # ASSUMPTION: the threshold
[[event]]
date = "2025-06"
rate = 0.1          # ASSUMPTION
)";
  const auto m = marks_of(text);
  CHECK(m.count("parameters.budget_carryover_share"));
  CHECK(m.count("parameters.budget_carryover_decay_per_year"));  // the block's run of keys
  CHECK(m.at("parameters.budget_carryover_share") == "Demand that waits. ASSUMPTION (range 0-0.8): budgets slip rather than vanish.");
  CHECK_FALSE(m.count("parameters.reference_tpp"));      // its own comment cites a source
  CHECK_FALSE(m.count("parameters.pricing_tolerance"));  // an unmarked block ends the run
  CHECK_FALSE(m.count("parameters.unmarked"));
  CHECK(m.at("product.*") == "Products. Costs: ASSUMPTION unless cited.");  // a section note
  CHECK(m.at("product.H20.capacity") == "ASSUMPTION: ~1M units in 2024");  // name read after the key
  // The section note is not the first table's mark; a string containing the word marks its table.
  CHECK(m.at("product.H20") == "a # inside a string, ASSUMPTION not a comment");
  CHECK_FALSE(m.count("product.H20.label"));
  CHECK(m.at("event.cn_tariff") == "ASSUMPTION: a retaliatory tariff");    // id read after the source
  CHECK(m.count("event.cn_tariff.prong#0.tpp_ge"));
  CHECK(m.count("event.#1.rate"));                       // an event without id: by position
  CHECK(m.size() == 8);
}

TEST_CASE("ASSUMPTION marks survive extend and the stored text, and are not duplicated", "[scenario][assumptions]") {
  const std::string path = std::string(CHIPSIM_SOURCE_DIR) + "/tests/experiments/small_no_controls.toml";
  const Model extended = load_scenario(path);
  const auto stored = find_assumptions(extended.scenario_text);
  const Model history = load_scenario(std::string(CHIPSIM_SOURCE_DIR) + "/experiments/scenarios/history.toml");
  const auto own = find_assumptions(history.scenario_text);
  REQUIRE(own.size() > 40);
  // The extending file's resolved text carries the base file's marks (history's events that
  // no_controls drops aside).
  std::map<std::string, std::string> a, b;
  for (const auto& x : stored) a[x.path] = x.note;
  for (const auto& x : own) b[x.path] = x.note;
  CHECK(a.at("firm.Huawei.catch_up") == b.at("firm.Huawei.catch_up"));
  CHECK(a.count("product.*"));
  // Reloading a stored text (rerun, merge) gives the same text: the block is not appended twice.
  const Model again = load_scenario_text(history.scenario_text, "stored.toml");
  CHECK(again.scenario_text == history.scenario_text);
  const Model again2 = load_scenario_text(extended.scenario_text, "stored.toml");
  CHECK(again2.scenario_text == extended.scenario_text);
}

TEST_CASE("ASSUMPTION marks: sub-tables are numbered within their element", "[scenario][assumptions]") {
  const std::string text = R"([[event]]
id = "a"
    [[event.prong]]
    tpp_ge = 1   # ASSUMPTION: one
    [[event.prong]]
    tpp_ge = 2   # ASSUMPTION: two
[[event]]
id = "b"
    [[event.prong]]
    tpp_ge = 3   # ASSUMPTION: three
)";
  const auto m = marks_of(text);
  CHECK(m.at("event.a.prong#0.tpp_ge") == "ASSUMPTION: one");
  CHECK(m.at("event.a.prong#1.tpp_ge") == "ASSUMPTION: two");
  CHECK(m.at("event.b.prong#0.tpp_ge") == "ASSUMPTION: three");
}

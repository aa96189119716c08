#pragma once
// Small text edits of test scenarios: add keys to a named table, read a series value.
#include <catch2/catch.hpp>

#include <string>

#include "sim/core/error.hpp"
#include "sim/core/model.hpp"
#include "sim/core/series.hpp"
#include "sim/scenario/scenario.hpp"

namespace chipsim::test {

// Inserts `keys` (TOML lines) right after the line `name = "<name>"` of the first table with it.
inline std::string with_keys(std::string text, const std::string& name, const std::string& keys) {
  const std::string line = "name = \"" + name + "\"\n";
  const auto pos = text.find(line);
  REQUIRE(pos != std::string::npos);
  text.insert(pos + line.size(), keys + (keys.empty() || keys.back() == '\n' ? "" : "\n"));
  return text;
}

// A US deny rule on accelerators for CN with one prong tpp >= `tpp`, as a TOML [[event]];
// `keys` (TOML lines) are added to the event (e.g. probability_per_month for a stochastic rule).
inline std::string us_deny_rule(const std::string& date, const std::string& id, int tpp, const std::string& keys = "") {
  return "\n[[event]]\ndate = \"" + date + "\"\naction = \"add_control\"\nid = \"" + id +
         "\"\nissuer = \"US\"\nkind = \"accelerator\"\ndestinations = [\"CN\"]\ntreatment = \"deny\"\n" + keys +
         "[[event.prong]]\ntpp_ge = " + std::to_string(tpp) + "\n";
}

// A US licence requirement with a revenue share `fee` on `product` to CN, as a TOML [[event]].
inline std::string us_licence_rule(const std::string& date, const std::string& id, const std::string& product, double fee) {
  return "\n[[event]]\ndate = \"" + date + "\"\naction = \"add_control\"\nid = \"" + id +
         "\"\nissuer = \"US\"\nkind = \"accelerator\"\ndestinations = [\"CN\"]\ntreatment = \"licence\"\nlicence_fee = " +
         std::to_string(fee) + "\n[[event.prong]]\nproducts = [\"" + product + "\"]\n";
}

// Loads scenario text as `file` and returns the ScenarioError's message (fails the test if the
// scenario loads).
inline std::string error_of(const std::string& text, const std::string& file = "bad.toml") {
  try {
    (void)load_scenario_text(text, file);
  } catch (const ScenarioError& e) {
    return e.what();
  }
  FAIL("the scenario loaded without error");
  return {};
}

// Value of a recorded variable at period t and flat index k within the period's row.
inline double value(const Series& s, const char* var, int t, std::size_t k) {
  const Variable& v = s.variable(var);
  REQUIRE(k < v.row_size);
  return v.data[static_cast<std::size_t>(t) * v.row_size + k];
}

}  // namespace chipsim::test

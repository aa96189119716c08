#pragma once
// Scenario files (TOML) -> immutable Model. Loading validates everything: types, ranges,
// references between tables (unknown firm, country, product), dates, and the order of
// control-rule events (events after the horizon never apply; `chipsim validate` lists them); unknown keys are errors. Every error is a
// ScenarioError "file:line:column: table.key: what is wrong". The format is documented in
// docs/SCENARIOS.md.
#include <optional>
#include <string>
#include <vector>

#include "sim/core/model.hpp"

namespace chipsim {

// A value set on a scenario before it is loaded (parameter sweeps). The path names a key:
//   "parameters.utility_per_log_performance"   a key of a table
//   "firm.Huawei.arrival_hazard_per_month"      a key of the [[firm]] named Huawei
//   "ai_firm.DeepSeek.efficiency_growth_per_month", "product.H20.capacity_units_per_month",
//   "government.CN.rd_subsidy_rate", "country.CN.name"
struct ScenarioOverride {
  ScenarioOverride() = default;
  ScenarioOverride(std::string p, double v, std::string t = {}) : path(std::move(p)), value(v), text(std::move(t)) {}
  std::string path;
  double value = 0;
  std::string text;  // when not empty: a string value instead (e.g. "scenario.horizon" = "2024-12")
};

// The number a scenario text (e.g. a Model's resolved scenario_text) holds at a path of the
// override form ("firm.Huawei.rd_share"); nullopt when the key is absent or not a number.
std::optional<double> scenario_value(const std::string& scenario_text, const std::string& path);

// Loads and validates a scenario file. Throws IoError if it cannot be read.
Model load_scenario(const std::string& path, const std::vector<ScenarioOverride>& overrides = {});

// Same, from text already in memory; `file` is used in error messages.
Model load_scenario_text(const std::string& text, const std::string& file,
                         const std::vector<ScenarioOverride>& overrides = {});

}  // namespace chipsim

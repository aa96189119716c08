#pragma once
// Scenario files (TOML) -> immutable Model. Loading validates everything: types, ranges,
// references between tables (unknown firm, country, product), dates inside the horizon,
// and the order of control-rule events; unknown keys are errors. Every error is a
// ScenarioError "file:line:column: table.key: what is wrong". The format is documented in
// docs/SCENARIOS.md.
#include <string>

#include "sim/model.hpp"

namespace chipsim {

// Loads and validates a scenario file. Throws IoError if it cannot be read.
Model load_scenario(const std::string& path);

// Same, from text already in memory; `file` is used in error messages.
Model load_scenario_text(const std::string& text, const std::string& file);

}  // namespace chipsim

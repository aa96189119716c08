#pragma once
// Reads the critical minerals of a scenario (sim/core/critical_minerals.hpp; keys in
// docs/SCENARIOS.md "Critical minerals"): [[critical_mineral]] and the `mineral_exposure` table
// of firms, process nodes and packaging lines. Errors are ScenarioError at the key's
// file:line:column.
#include <string>
#include <vector>

#include "sim/core/model.hpp"
#include "sim/scenario/table_reader.hpp"

namespace chipsim {

// [[critical_mineral]]: after the countries, before the firms.
void read_critical_minerals(TableReader& root, Model& m);

// A `mineral_exposure = { gallium = 0.4, ... }` table of `t`: one share in [0, 1] per
// Model::critical_minerals entry (0 where not named); empty when the key is absent. An unknown
// mineral is a located error listing the known ones.
std::vector<double> read_mineral_exposure(TableReader& t, const Model& m);

// The index of the mineral named `name` (written at `key` of `t`), or a located error.
int read_mineral(TableReader& t, std::string_view key, const Model& m, const std::string& name);

}  // namespace chipsim

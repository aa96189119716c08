#pragma once
// Reads [[generation_ladder]] (sim/core/model.hpp GenerationLadder; keys in docs/SCENARIOS.md
// "Generation ladders") and adds each ladder's rungs to the products. Errors are ScenarioError
// at the key's file:line:column.
#include "sim/core/model.hpp"
#include "sim/scenario/table_reader.hpp"

namespace chipsim {

// After the products, before the events (rules naming a firm then cover its rungs). A rung is
// the template copied, named "<template>_g<generation>", one generation above the rung before.
void read_generation_ladders(TableReader& root, Model& m);

}  // namespace chipsim

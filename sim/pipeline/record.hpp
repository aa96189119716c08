#pragma once
// Stage 9 (docs/SPEC.md §5): record the period's outputs into State::series. The variables, their
// dimensions and units are defined once by define_outputs; output/ writes them to HDF5.
#include "sim/core/model.hpp"
#include "sim/core/state.hpp"

namespace chipsim {

void define_outputs(const Model& model, Series& series);
void record_period(const Model& model, State& state);

}  // namespace chipsim

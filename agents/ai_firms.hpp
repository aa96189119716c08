#pragma once
// AI firms (MODEL.md §3): the buyers of accelerators. Stage 8 updates each firm's compute
// stock and budget; every firm writes only its own slot, in parallel.
//   compute_stock <- (1 - depreciation) compute_stock + compute bought this period   [H100e]
//   budget        <- budget (1 + g);   g <- g (1 - decay)                             [USD/period]
// The budget path is exogenous in this version (no feedback from AI revenue yet).
#include "sim/model.hpp"
#include "sim/state.hpp"

namespace chipsim {

void update_ai_firms(const Model& model, State& state);

}  // namespace chipsim

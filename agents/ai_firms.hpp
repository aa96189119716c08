#pragma once
// AI firms (docs/SPEC.md §3): the buyers of accelerators. Stage 8 updates each firm, in parallel,
// each writing only its own slot:
//   compute stock  <- (1 - depreciation) stock + compute bought this period        [H100e]
//   efficiency     <- efficiency (1 + efficiency_growth)      (algorithmic progress, DeepSeek-style)
//   capability      = (stock x efficiency)^capability_exponent
//   AI revenue      = revenue_per_capability x capability                        [USD/period]
//   base budget    <- base (1 + g),  g <- g (1 - decay)                           [USD/period]
//   budget          = base budget + reinvestment_share x AI revenue
#include "sim/core/model.hpp"
#include "sim/core/state.hpp"

namespace chipsim {

void update_ai_firms(const Model& model, State& state);

}  // namespace chipsim

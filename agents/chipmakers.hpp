#pragma once
// Chipmakers (MODEL.md §3). Pricing is the market's Bertrand-Nash equilibrium
// (sim/bertrand_nash.hpp). Stage 7 here: capacity arrivals. In this version a product's
// capacity follows the exogenous path of its scenario entry — capacity at launch, growing by
// capacity_growth per period once launched; endogenous investment comes with the full model.
#include "sim/model.hpp"
#include "sim/state.hpp"

namespace chipsim {

void grow_capacity(const Model& model, State& state);

}  // namespace chipsim

#pragma once
// Chipmakers (MODEL.md §3). Pricing is the markets' Bertrand-Nash equilibrium
// (sim/bertrand_nash.hpp); the decision rules here are:
//
// Stage 3, plan_production (accelerator makers): adaptive expectations of demand,
//     e <- e + w (observed - e),     planned = min(capacity, e (1 + buffer)),
// where observed = units sold last period, or sold x (1 + buffer) when sales hit the output
// ceiling (capacity or HBM) so that constrained sales do not talk expectations down;
// and the HBM they want to buy: planned x stacks per unit, less the HBM stock, plus stockpiling
// ahead of an announced rule that will deny HBM to the maker's country: the stock target of
// `hbm_stockpile_months` of planned use is spread over the months until the rule applies.
//
// Stage 7, grow_capacity: capacity arrivals on each product's exogenous path (capacity at
// launch, growing by capacity_growth per period once launched, up to capacity_max).
#include "sim/model.hpp"
#include "sim/state.hpp"

namespace chipsim {

void plan_production(const Model& model, State& state);
void grow_capacity(const Model& model, State& state);

}  // namespace chipsim

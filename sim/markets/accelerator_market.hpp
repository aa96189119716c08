#pragma once
// Stage 5 (docs/SPEC.md §5): the accelerator market clears. Buyers are the AI firms, sellers the
// accelerator makers; demand is the scenario's demand model; prices are the multi-product
// Bertrand-Nash equilibrium with capacity limits (sim/markets/bertrand_nash.hpp), warm-started from
// last period's prices. Output: prices, units by product and destination, buyers' spending
// and compute bought.
#include "sim/demand/market_data.hpp"
#include "sim/core/model.hpp"
#include "sim/core/state.hpp"

namespace chipsim {

// The market as the demand model sees it this period.
//  - units per purchase decision n_j = (H100e per unit)^(-theta), theta = compute_denominated_demand:
//    theta = 0, buyers shop for chips; theta = 1, for compute (one H100e per decision, price per H100e);
//  - market size M_i = budget_i / reference_price (potential decisions per period; with theta = 1
//    the reference price is that of one H100e of compute);
//  - mean utility delta_j = utility_per_log_performance * ln(H100e per unit) + appeal_j;
//  - buyers' wedge = tariff + grey-market markup; grey-market flows carry a utility shift
//    ln(leak share);
//  - marginal cost = unit cost after learning + stacks per unit x latest HBM price paid;
//  - sellers withdraw licensed sales that lose money net of the fee (solve_bertrand_nash_with_exit);
//  - a procurement mandate of country c adds a premium to domestic products' utility for c's
//    buyers: the smallest (by bisection) that lifts c's domestic share (units) to the floor or,
//    if domestic supply runs out first, that sells every domestic product up to its output
//    ceiling (the floor is then not met: a mandate cannot conjure up chips).
MarketData accelerator_market_data(const Model& model, const State& state);

void clear_accelerator_market(const Model& model, State& state);

}  // namespace chipsim

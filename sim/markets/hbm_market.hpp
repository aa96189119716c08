#pragma once
// Stage 4 (docs/SPEC.md §5): the HBM market clears. HBM is a Leontief input of accelerators
// (k stacks per unit), so it is bought as derived demand, not chosen like a consumer good: the
// buyers are the accelerator product lines that plan output (their need, from plan_production,
// in stacks, stockpiling included) and the sellers the HBM products of the HBM makers.
//
//  - A line values a stack at its shadow margin per stack,
//        v = ((1 - f) p - c) / k,
//    p = its price last period (the expected price), f = the licence fee it paid on average,
//    c = its other unit cost this period (its average margin per stack). A line that was not on
//    sale last period (launching) bids the highest value of the priced lines, or, with none
//    priced, twice the highest reservation price.
//  - An HBM product offers its capacity (x supply shocks) at the reservation price
//    r = unit cost x (1 + the maker's `hbm_markup`): the contract price when HBM is not scarce.
//  - A line may buy an HBM product of at least its minimum generation that is available to its
//    country (the accelerator's origin): HBM export controls, tariffs, licences and grey markets
//    apply with that country as the destination; a seller withdraws from an arc where it keeps
//    less than its reservation price net of the licence fee. A leaking (denied but not enforced) flow is a
//    quantity channel: at most the leak share (1 - enforcement) of the line's need. Domestic
//    HBM (origin = the line's country) is preferred by the maker's `hbm_home_bias` (its bid is
//    raised by that share).
//
// The market clears as the competitive equilibrium of this assignment market (sim/markets/
// input_market.hpp): with ample HBM every line with v above the price gets its whole need at
// the reservation price (no "do without"); when HBM is short its price rises to the marginal
// line's value per stack and the lines with the highest values are served first. The HBM cost
// that enters the accelerator's marginal cost is the contract (reservation) price, incl. tariffs
// and markups, of the stacks the line last bought: the scarcity premium is a rent on stacks in
// hand (they cannot be resold), not a cost of using them; what the line paid is in hbm_spend.
// Outputs: HBM prices, units, the scarcity premium
// (price - reservation) in capacity_shadow_cost, stacks bought and spent per line.
#include "sim/core/model.hpp"
#include "sim/core/state.hpp"

namespace chipsim {

void clear_hbm_market(const Model& model, State& state);

}  // namespace chipsim

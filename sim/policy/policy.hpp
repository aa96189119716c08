#pragma once
// Stage 1 of the period (docs/SPEC.md §5): apply the policy events dated this period and resolve
// market access — which product may be sold where, under which licence fee and tariff.
#include "sim/core/model.hpp"
#include "sim/core/state.hpp"

namespace chipsim {

// Applies every event whose period is state.period, in scenario order.
void apply_policy_events(const Model& model, State& state);

// Fills state.available, licence_fee, fee_recipient and tariff_rate (P x C) from the rules
// and tariffs in force. For each (product, destination) the most recently adopted matching
// rule of the product's jurisdiction decides: deny -> not available; licence -> available
// with the fee only if this period's approval draw succeeds (probability pi, drawn from the
// counter-based RNG keyed by product, destination and period); allow -> available, no fee.
// A denied flow (or a refused licence) leaks through grey markets when the issuer's
// enforcement is below 1: available with utility shift ln(1 - enforcement) and the issuer's
// grey-market markup on the price (paid to intermediaries, not to the seller).
// Dated products launch on their date; products launched on arrival by the innovation stage.
// Products outside [launch, end] are not available anywhere; a product with a sold_to list
// (a country-specific SKU such as the H20) only in those destinations.
void resolve_market_access(const Model& model, State& state);

}  // namespace chipsim

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
//  - buyers' wedge = tariff + grey-market markup;
//  - smuggling as a quantity: a flow denied by a rule its issuer does not fully enforce is on
//    offer at the issuer's grey-market markup, which rises with last period's smuggled volume
//    against its bound (sim/policy/policy.cpp), up to a
//    bound of (1 - enforcement) x the flow the ban removed (what buyers would buy of it legally
//    at last period's prices), less random seizures, or a scenario capacity; the bound is held
//    like a licence quota (rationing wedge);
//  - marginal cost = unit cost after learning + stacks per unit x latest HBM price paid;
//  - pricing (parameters.pricing): one price per product, or one per (product, destination)
//    sharing the product's ceiling (MarketData::split_by_destination); results go to
//    state.price_to_usd (P x C) and state.price_usd (the units-weighted mean);
//  - sellers withdraw licensed sales that lose money net of the fee (solve_bertrand_nash_with_exit);
//  - a procurement mandate of country c is a floor on the domestic share of c's buyers'
//    purchases (by its government's measure, compute by default), enforced by a shadow tax on
//    their purchases of foreign products: about the smallest (regula falsi from last period's
//    tax) that lifts the share to the floor, up to parameters.mandate_max_shadow_tax_utils. It
//    holds also when domestic supply is exhausted (buyers then buy less foreign compute).
MarketData accelerator_market_data(const Model& model, const State& state);

void clear_accelerator_market(const Model& model, State& state);

}  // namespace chipsim

#pragma once
// Chipmakers (docs/SPEC.md §3). Pricing is the markets' Bertrand-Nash equilibrium
// (sim/markets/bertrand_nash.hpp); the decision rules here are:
//
// Stage 3, plan_production: first learning by doing (Wright's law) from the cumulative output Q
// of all past periods, which sets this period's unit cost of every product,
//      c = c0 max(1, Q / Q0)^(-b),   b = -log2(1 - learning_rate);
// then this period's capacity: exogenous growth (capacity_growth_per_month, stepped month by month and summed over the period, after the launch
// period, up to capacity_max) and investments whose build lag has passed;
// then, for accelerator makers, adaptive expectations of demand,
//     e <- e + w (observed - e),     planned = min(capacity, e (1 + buffer)),
// where observed = units sold last period, or sold x (1 + buffer) when sales hit the output
// ceiling (capacity or HBM) so that constrained sales do not talk expectations down; before the
// first observation e is the capacity at launch, and the first observation replaces it;
// and the HBM they want to buy: planned x stacks per unit, less the HBM stock, plus stockpiling
// ahead of an announced rule that will deny HBM to the product line's country (its origin): the stock target of
// `hbm_stockpile_months` of planned use is spread over the months until the rule applies
// (for lines on sale or launching on a known date; not for products still waiting for an
// innovation draw).
//
// Stage 7, innovate_and_invest, for every firm (each writes only its own slots; subsidies are
// paid from the government's budget of the period first come, first served — R&D in firm
// order, then capex in product order — so the result does not depend on scheduling):
//  - cumulative output Q += units sold (for next period's learning);
//  - R&D: spend = rd_share x revenue; the home government matches rd_subsidy_rate x spend while
//    its budget lasts; knowledge K <- (1 - depreciation) K + spend + subsidy;
//  - innovation: a firm with a product waiting for the generation right after its own
//    (launch = "on_arrival") reaches it this period with probability 1 - exp(-lambda),
//      lambda = lambda0 (K / K_ref)^eta (1 + sigma gap) access,
//    gap = world frontier generation - own generation, access = 1 - controls_access_penalty x
//    (1 - equipment access of the nodes its products are made on, docs/MODEL_NOTES.md §3b); the draw comes from the
//    counter-based RNG keyed by (firm, period); the product launches next period;
//  - capacity investment: when expected demand / (capacity + capacity under construction) >
//    invest_utilisation and the margin
//    (p - c) / p > invest_margin, add invest_step x capacity at capex_usd_per_unit (less the
//    capex subsidy), on line build_lag periods after the next period.
#include "sim/core/model.hpp"
#include "sim/core/state.hpp"

namespace chipsim {

void plan_production(const Model& model, State& state);
void innovate_and_invest(const Model& model, State& state);

}  // namespace chipsim

#pragma once
// Governments (docs/SPEC.md §3). Their instruments in force live in the State (so that events and
// reaction rules can change them): subsidy budgets and rates, procurement mandates,
// enforcement and grey-market markups; export-control rules and tariffs are in State::rules
// and State::tariff.
//
// Stage 2, govern: each government's subsidy budget for the period is refilled (unspent budget
// does not carry over), then its reaction rules (optional) act on last period's outcomes:
//  - while its country's accelerator self-sufficiency (by its measure, compute by default) is
//    below target_self_sufficiency,
//    raise rd_subsidy_rate by rd_subsidy_step, up to max_rd_subsidy_rate;
//  - once the rival's compute stock exceeds compute_gap_trigger x its own, multiply the
//    lower thresholds (_ge/_gt, not HBM generations) of its own deny rules by tighten_factor
//    (< 1: stricter), once.
// Stage 8, score_governments: the objective of every government, a rate per year at this period
// (flows annualised: x 12 / months per period), its terms in state.government_objective:
//   w_profit x domestic firms' operating profit (USD bn a year: revenue - licence fees - marginal
//   cost x units - HBM built in) + w_self_sufficiency x self-sufficiency (a level, its measure)
//   + w_compute x ln(own compute / rival compute) (a level) + w_income x fees and tariffs (USD bn
//   a year) - w_subsidy x subsidies paid (USD bn a year). docs/MODEL_NOTES.md, stage 8.
#include "sim/core/model.hpp"
#include "sim/core/state.hpp"

namespace chipsim {

void govern(const Model& model, State& state);
void score_governments(const Model& model, State& state);

// Accelerator self-sufficiency by units of a country in the current State (NaN if it bought none).
// The government's own measure (self_sufficiency_measure: compute by default) of its country's
// accelerator self-sufficiency this period; NaN when its AI firms bought nothing.
double accelerator_self_sufficiency(const Model& model, const State& state, const Government& government);

// Pays up to `wanted` USD of subsidy from `country`'s budget left this period (first come, first
// served) and returns what was paid, in [0, budget left]. Used by R&D and capex subsidies to
// chipmakers (agents/chipmakers.cpp) and to nodes and packaging lines (agents/foundries.cpp).
double draw_subsidy(State& state, int country, double wanted);

}  // namespace chipsim

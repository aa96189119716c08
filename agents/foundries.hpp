#pragma once
// Stage 3a (docs/MODEL_NOTES.md §3b): the upstream tiers at the start of a period. Foundry
// process nodes and packaging lines add capacity along their paths, at the pace their equipment
// access allows; each node's defect density follows its learning curve; each product made on a
// node gets its die yield and its input cost per unit (dies and packaging at contract prices),
// which the maker's unit cost then includes (agents/chipmakers.cpp).
#include "sim/core/model.hpp"
#include "sim/core/state.hpp"

namespace chipsim {

// Writes node_* and packaging_* capacities and access, node_defect_density, die_yield and
// input_cost_usd. Capacity path per month: w <- w (1 + g a) for g > 0 (a = equipment access,
// the scarcest of its tool classes: new capacity needs every class of tool), w (1 + g) for g <= 0,
// up to the ceiling; the period's capacity is the sum over its months (the run's first month
// at the starting level).
void advance_supply_tiers(const Model& model, State& state);

// Stage 7 (after the accounts): each node and packaging line with `capex_usd_per_wafer_per_month`
// invests while its wafers used reach `invest_utilisation` of its capacity: capex = own +
// subsidy, own = reinvestment_share x wafers used x clearing price (USD, this period), subsidy =
// its country's capex_subsidy_rate share of the total, paid from the government's remaining
// budget; capacity added = capex / capex per wafer-month x equipment access (wafers per month),
// joining the path's level after max(1, build lag) periods. Writes node_/packaging_capex_usd and
// _capex_subsidy_usd and State::pending_tier_capacity.
void invest_in_supply_tiers(const Model& model, State& state);

}  // namespace chipsim

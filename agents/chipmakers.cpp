#include "agents/chipmakers.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>

namespace chipsim {

namespace {
// Periods until an announced rule denies HBM to `country`, or 0 if none is pending.
int periods_until_hbm_ban(const Model& model, int period, int country) {
  int soonest = 0;
  for (const auto& a : model.announced_rules) {
    const ControlRule& r = a.rule;
    if (r.kind != static_cast<int>(ProductKind::hbm) || r.treatment != Treatment::deny) continue;
    if (period < a.announced_period || period >= a.effective_period) continue;
    if (std::find(r.destinations.begin(), r.destinations.end(), country) == r.destinations.end()) continue;
    const int wait = a.effective_period - period;
    if (soonest == 0 || wait < soonest) soonest = wait;
  }
  return soonest;
}
}  // namespace

void plan_production(const Model& model, State& state) {
  const auto& accelerators = model.products_of(ProductKind::accelerator);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, accelerators.size()), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t n = r.begin(); n != r.end(); ++n) {
      const int j = accelerators[n];
      const Product& p = model.products[j];
      const Firm& f = model.firms[p.owner];
      if (state.period > 0 && state.offered[static_cast<std::size_t>(j)]) {
        // Sales at the output ceiling understate demand: the maker then reads demand as the
        // ceiling plus its planning buffer, so that plans (and HBM purchases) can grow again.
        const bool constrained = state.units_sold(j) >= state.effective_capacity(j) * (1.0 - 1e-9);
        const double observed = constrained ? state.units_sold(j) * (1.0 + f.planning_buffer) : state.units_sold(j);
        state.expected_demand(j) += f.expectation_weight * (observed - state.expected_demand(j));
      }
      const bool on_sale = state.available.row(j).sum() > 0;
      state.planned_output(j) = on_sale ? std::min(state.capacity_units(j), state.expected_demand(j) * (1.0 + f.planning_buffer)) : 0.0;
      state.hbm_demand(j) = 0;
      if (p.hbm_stacks <= 0) continue;
      const double use = state.planned_output(j) * p.hbm_stacks;  // stacks this period
      double want = std::max(0.0, use - state.hbm_stock(j));
      if (f.hbm_stockpile_months > 0) {
        if (const int wait = periods_until_hbm_ban(model, state.period, p.origin); wait > 0) {
          // Stock wanted when the ban starts, on top of this period's use; bought evenly until then.
          const double target = f.hbm_stockpile_months * std::max(use, p.capacity_units * p.hbm_stacks);
          want += std::max(0.0, target - std::max(0.0, state.hbm_stock(j) - use)) / wait;
        }
      }
      state.hbm_demand(j) = want;
    }
  });
}

void grow_capacity(const Model& model, State& state) {
  const Month now = model.calendar.month_of(state.period);
  tbb::parallel_for(tbb::blocked_range<int>(0, model.n_products()), [&](const tbb::blocked_range<int>& r) {
    for (int j = r.begin(); j != r.end(); ++j) {
      const Product& p = model.products[j];
      if (now < p.launch) continue;
      double next = state.capacity_units(j) * (1.0 + p.capacity_growth);
      if (p.capacity_max > 0) next = std::min(next, p.capacity_max);
      state.capacity_units(j) = next;
    }
  });
}

}  // namespace chipsim

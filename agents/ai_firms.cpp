#include "agents/ai_firms.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <cmath>

#include "sim/core/monthly_path.hpp"

namespace chipsim {

void update_ai_firms(const Model& model, State& state) {
  // Deferred budgets: a share of what was not spent this period stays available next period,
  // less the decay over one period ((1 - decay per year)^(months per period / 12)).
  const double keep = model.parameters.budget_carryover_share *
                      std::pow(1.0 - model.parameters.budget_carryover_decay_per_year, model.calendar.months_per_period / 12.0);
  // Grain: small worlds run this loop inline (task overhead would exceed the work).
  constexpr int kAiFirmsPerTask = 512;
  tbb::parallel_for(tbb::blocked_range<int>(0, model.n_ai_firms(), kAiFirmsPerTask), [&](const tbb::blocked_range<int>& r) {
    for (int i = r.begin(); i != r.end(); ++i) {
      const AiFirm& a = model.ai_firms[i];
      state.compute_stock_h100e(i) =
          (1.0 - a.compute_depreciation) * state.compute_stock_h100e(i) + state.buyer_compute_h100e(i);
      state.efficiency(i) *= 1.0 + a.efficiency_growth;
      state.capability(i) = std::pow(state.compute_stock_h100e(i) * state.efficiency(i), a.capability_exponent);
      state.ai_revenue_usd(i) = a.revenue_per_capability_usd * state.capability(i);
      const double offered = state.budget_usd(i) * state.budget_factor(i) + state.deferred_budget_usd(i);
      state.deferred_budget_usd(i) = keep * std::max(0.0, offered - state.buyer_spend_usd(i));
      // Next period's exogenous budget: its months' budgets, stepped month by month.
      const double base = advance_monthly_path(state.base_budget_usd(i), state.budget_growth(i),
                                               a.budget_growth_decay_per_month, model.calendar.months_per_period);
      state.budget_usd(i) = base + a.reinvestment_share * state.ai_revenue_usd(i);
    }
  });
}

}  // namespace chipsim

#include "agents/governments.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/core/self_sufficiency.hpp"

namespace chipsim {

double accelerator_self_sufficiency(const Model& model, const State& state, const Government& government) {
  return self_sufficiency(model, state, ProductKind::accelerator, government.country,
                          static_cast<SelfSufficiencyMeasure>(government.self_sufficiency_measure));
}

namespace {
double compute_of(const Model& model, const State& state, int country) {
  double total = 0;
  for (int i = 0; i < model.n_ai_firms(); ++i)
    if (model.ai_firms[i].country == country) total += state.compute_stock_h100e(i);
  return total;
}
}  // namespace

void govern(const Model& model, State& state) {
  state.subsidy_budget_left = state.subsidy_budget_usd;
  if (state.period == 0) return;  // reactions need a past period
  for (const Government& g : model.governments) {
    const int c = g.country;
    if (g.target_self_sufficiency > 0 && g.subsidy_step > 0) {
      const double ss = accelerator_self_sufficiency(model, state, g);
      if (!std::isnan(ss) && ss < g.target_self_sufficiency)
        state.rd_subsidy_rate(c) = std::min(g.max_rd_subsidy_rate, state.rd_subsidy_rate(c) + g.subsidy_step);
    }
    if (g.compute_gap_trigger > 0 && !state.tightened[static_cast<std::size_t>(c)]) {
      const double own = compute_of(model, state, c), rival = compute_of(model, state, g.rival);
      if (own > 0 && rival / own > g.compute_gap_trigger) {
        for (ControlRule& r : state.rules) {
          if (r.issuer != c || r.treatment != Treatment::deny) continue;
          for (Prong& p : r.prongs)
            for (Condition& cond : p.conditions)
              if ((cond.comparison == Comparison::ge || cond.comparison == Comparison::gt) && cond.attribute != Attribute::hbm_generation)
                cond.threshold *= g.tighten_factor;
        }
        state.tightened[static_cast<std::size_t>(c)] = 1;
      }
    }
  }
}

namespace {
constexpr int kObjectiveTerms = State::kObjectiveTerms;
}  // namespace

void score_governments(const Model& model, State& state) {
  const int C = model.n_countries();
  state.government_score.setZero(C);
  state.government_objective.setZero(C, kObjectiveTerms);
  // Flows per period -> per year.
  const double per_year = 12.0 / model.calendar.months_per_period;
  std::vector<double> firm_profit(static_cast<std::size_t>(model.n_firms()), 0.0);
  for (int f = 0; f < model.n_firms(); ++f) firm_profit[static_cast<std::size_t>(f)] = state.revenue_usd.row(f).sum() - state.fee_paid_usd(f);
  for (int j = 0; j < model.n_products(); ++j) {
    const Product& p = model.products[j];
    // HBM at the cost of the stacks built into this period's output (hbm_used x the contract
    // price paid), not the stacks bought: stockpiling ahead of a ban is inventory, not cost.
    firm_profit[static_cast<std::size_t>(p.owner)] -=
        state.unit_cost_usd(j) * state.units_sold(j) + state.hbm_used(j) * state.hbm_unit_cost_usd(j);
  }
  for (const Government& g : model.governments) {
    const int c = g.country;
    double profit = 0, subsidies = 0;
    for (int f = 0; f < model.n_firms(); ++f)
      if (model.firms[f].home == c) {
        profit += firm_profit[static_cast<std::size_t>(f)];
        subsidies += state.rd_subsidy_usd(f) + state.capex_subsidy_usd(f);
      }
    const double ss = accelerator_self_sufficiency(model, state, g);
    double lead = 0;
    if (g.w_compute != 0) {
      const double own = compute_of(model, state, c), rival = compute_of(model, state, g.rival);
      lead = (own > 0 && rival > 0) ? std::log(own / rival) : 0.0;
    }
    const double income = state.fee_income_usd(c) + state.tariff_income_usd(c);
    const double terms[kObjectiveTerms] = {g.w_profit * profit * per_year / 1e9, g.w_self_sufficiency * (std::isnan(ss) ? 0.0 : ss),
                                           g.w_compute * lead, g.w_income * income * per_year / 1e9,
                                           -g.w_subsidy * subsidies * per_year / 1e9};
    for (int k = 0; k < kObjectiveTerms; ++k) {
      state.government_objective(c, k) = terms[k];
      state.government_score(c) += terms[k];
    }
  }
}

double draw_subsidy(State& state, int country, double wanted) {
  const double paid = std::clamp(wanted, 0.0, state.subsidy_budget_left(country));
  state.subsidy_budget_left(country) -= paid;
  return paid;
}

}  // namespace chipsim

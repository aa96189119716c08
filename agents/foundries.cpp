#include "agents/foundries.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "agents/governments.hpp"

namespace chipsim {

namespace {
// One period of a capacity path (wafers per month, stepped monthly); returns the period's sum.
double step_path(double& level, double growth, double ceiling, double access, int months, bool first_period) {
  const double g = growth > 0 ? growth * access : growth;
  double sum = 0;
  for (int k = 0; k < months; ++k) {
    if (!(first_period && k == 0)) {
      const double next = level * (1.0 + g);
      level = ceiling > 0 ? std::max(std::min(level, ceiling), std::min(next, ceiling)) : next;
    }
    sum += level;
  }
  return sum;
}
}  // namespace

void advance_supply_tiers(const Model& model, State& state) {
  const int months = model.calendar.months_per_period;
  const bool first = state.period == 0;
  // Capacity invested earlier whose build lag has passed joins the path's level.
  auto due = [&](const State::PendingTierCapacity& x) { return x.arrival_period <= state.period; };
  for (const auto& x : state.pending_tier_capacity)
    if (due(x)) (x.packaging ? state.packaging_wafers_month : state.node_wafers_month)(x.index) += x.wafers_per_month;
  auto& pending = state.pending_tier_capacity;
  pending.erase(std::remove_if(pending.begin(), pending.end(), due), pending.end());
  for (std::size_t n = 0; n < model.process_nodes.size(); ++n) {
    const ProcessNode& node = model.process_nodes[n];
    const auto i = static_cast<Eigen::Index>(n);
    state.node_equipment_access(i) = equipment_access(model, state, node.country, node.tools);
    state.node_capacity_wafers(i) = step_path(state.node_wafers_month(i), node.capacity_growth_per_month,
                                              node.capacity_max_wafers_per_month, state.node_equipment_access(i), months, first) *
                                    state.node_mineral_capacity_factor(i);
    state.node_wafer_cost_usd(i) = node.wafer_cost_usd * state.node_mineral_cost_factor(i);
    state.node_defect_density(i) = node_defect_density(node, state.node_learning_wafers(i));
  }
  for (std::size_t l = 0; l < model.packaging_lines.size(); ++l) {
    const PackagingLine& line = model.packaging_lines[l];
    const auto i = static_cast<Eigen::Index>(l);
    state.packaging_equipment_access(i) = equipment_access(model, state, line.country, line.tools);
    state.packaging_capacity_wafers(i) = step_path(state.packaging_wafers_month(i), line.capacity_growth_per_month,
                                                   line.capacity_max_wafers_per_month, state.packaging_equipment_access(i), months, first) *
                                         state.packaging_mineral_capacity_factor(i);
    state.packaging_cost_usd(i) = line.cost_usd_per_wafer * state.packaging_mineral_cost_factor(i);
  }
  for (int j : model.products_of(ProductKind::accelerator)) {
    const Product& p = model.products[j];
    double cost = 0;
    if (p.process_node >= 0) {
      const ProcessNode& node = model.process_nodes[static_cast<std::size_t>(p.process_node)];
      const double area = state.die_area_mm2(j);  // drawn at arrival for a ladder's rungs
      state.die_yield(j) = poisson_yield(area, state.node_defect_density(p.process_node));
      const double good_per_wafer = gross_dies_per_wafer(area, node.wafer_diameter_mm) * state.die_yield(j);
      cost += good_per_wafer > 0 ? p.dies_per_unit * state.node_wafer_cost_usd(p.process_node) / good_per_wafer : std::numeric_limits<double>::infinity();
    }
    if (p.packaging_line >= 0)
      cost += state.packaging_cost_usd(p.packaging_line) / p.packages_per_packaging_wafer;
    state.input_cost_usd(j) = cost;
  }
}

namespace {
// The capex subsidy of the government of `country` (its capex_subsidy_rate, from the period's
// remaining budget): it pays that share of the total, so the subsidy on top of the own spending
// is own x rate / (1 - rate); at rate 1 it pays whatever its budget has left.
double capex_subsidy(State& state, int country, double own) {
  const double rate = state.capex_subsidy_rate(country);
  const double wanted = rate < 1.0 ? own * rate / (1.0 - rate) : state.subsidy_budget_left(country);
  return draw_subsidy(state, country, own > 0 ? wanted : 0.0);
}

// One node's or line's decision; returns (own capex, subsidy), queues the capacity.
void invest_tier(State& state, const TierInvestment& x, int country, bool packaging, int index, double used,
                 double capacity, double price, double access, double& capex, double& subsidy) {
  capex = subsidy = 0;
  if (x.capex_usd_per_wafer_month <= 0 || !(capacity > 0) || used < x.utilisation_trigger * capacity) return;
  const double own = x.reinvestment_share * used * price;
  subsidy = capex_subsidy(state, country, own);
  capex = own + subsidy;
  const double wafers_per_month = capex / x.capex_usd_per_wafer_month * access;
  if (wafers_per_month > 0)
    state.pending_tier_capacity.push_back({state.period + std::max(1, x.build_lag_periods), packaging, index, wafers_per_month});
}
}  // namespace

void invest_in_supply_tiers(const Model& model, State& state) {
  for (std::size_t n = 0; n < model.process_nodes.size(); ++n) {  // nodes, then lines: subsidies first come, first served
    const ProcessNode& node = model.process_nodes[n];
    const auto i = static_cast<Eigen::Index>(n);
    invest_tier(state, node.investment, node.country, false, static_cast<int>(n), state.node_wafers_started(i),
                state.node_capacity_wafers(i), state.node_wafer_price(i), state.node_equipment_access(i), state.node_capex_usd(i),
                state.node_capex_subsidy_usd(i));
  }
  for (std::size_t l = 0; l < model.packaging_lines.size(); ++l) {
    const PackagingLine& line = model.packaging_lines[l];
    const auto i = static_cast<Eigen::Index>(l);
    invest_tier(state, line.investment, line.country, true, static_cast<int>(l), state.packaging_wafers_used(i),
                state.packaging_capacity_wafers(i), state.packaging_price(i), state.packaging_equipment_access(i),
                state.packaging_capex_usd(i), state.packaging_capex_subsidy_usd(i));
  }
}

}  // namespace chipsim

#include "agents/foundries.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

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
      state.die_yield(j) = poisson_yield(p.die_area_mm2, state.node_defect_density(p.process_node));
      const double good_per_wafer = gross_dies_per_wafer(p.die_area_mm2, node.wafer_diameter_mm) * state.die_yield(j);
      cost += good_per_wafer > 0 ? p.dies_per_unit * state.node_wafer_cost_usd(p.process_node) / good_per_wafer : std::numeric_limits<double>::infinity();
    }
    if (p.packaging_line >= 0)
      cost += state.packaging_cost_usd(p.packaging_line) / p.packages_per_packaging_wafer;
    state.input_cost_usd(j) = cost;
  }
}

}  // namespace chipsim

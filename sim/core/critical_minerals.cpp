#include "sim/core/critical_minerals.hpp"

#include <algorithm>

#include "sim/core/model.hpp"
#include "sim/core/state.hpp"

namespace chipsim {

double mineral_denial(const Model& model, const State& state, int mineral, int country) {
  double enforcement = 0;
  for (const MineralRule& r : state.mineral_rules) {
    if (std::find(r.minerals.begin(), r.minerals.end(), mineral) == r.minerals.end()) continue;
    if (std::find(r.destinations.begin(), r.destinations.end(), country) == r.destinations.end()) continue;
    enforcement = std::max(enforcement, r.enforcement);
  }
  return model.critical_minerals[static_cast<std::size_t>(mineral)].producer_share * enforcement;
}

MineralShock mineral_shock(const Model& model, const State& state, const std::vector<double>& exposure, int country) {
  MineralShock s;
  for (std::size_t m = 0; m < exposure.size(); ++m) {
    if (!(exposure[m] > 0)) continue;
    const double d = state.mineral_denial(static_cast<Eigen::Index>(m), country);
    const CriticalMineral& x = model.critical_minerals[m];
    s.cost_factor += exposure[m] * x.cost_increase * d;
    s.capacity_factor *= std::max(0.0, 1.0 - exposure[m] * x.capacity_loss * d);
  }
  return s;
}

void apply_mineral_controls(const Model& model, State& state) {
  const int M = static_cast<int>(model.critical_minerals.size()), C = model.n_countries();
  if (M == 0) return;  // factors stay 1 (State::init)
  for (int m = 0; m < M; ++m)
    for (int c = 0; c < C; ++c) state.mineral_denial(m, c) = mineral_denial(model, state, m, c);
  for (int j = 0; j < model.n_products(); ++j) {
    const Product& p = model.products[j];
    // The maker's exposure, where the product is made.
    const MineralShock s = mineral_shock(model, state, model.firms[p.owner].mineral_exposure, p.fab);
    state.mineral_cost_factor(j) = s.cost_factor;
    state.capacity_factor(j) *= s.capacity_factor;
  }
  for (std::size_t n = 0; n < model.process_nodes.size(); ++n) {
    const ProcessNode& node = model.process_nodes[n];
    const MineralShock s = mineral_shock(model, state, node.mineral_exposure, node.country);
    state.node_mineral_cost_factor(static_cast<Eigen::Index>(n)) = s.cost_factor;
    state.node_mineral_capacity_factor(static_cast<Eigen::Index>(n)) = s.capacity_factor;
  }
  for (std::size_t l = 0; l < model.packaging_lines.size(); ++l) {
    const PackagingLine& line = model.packaging_lines[l];
    const MineralShock s = mineral_shock(model, state, line.mineral_exposure, line.country);
    state.packaging_mineral_cost_factor(static_cast<Eigen::Index>(l)) = s.cost_factor;
    state.packaging_mineral_capacity_factor(static_cast<Eigen::Index>(l)) = s.capacity_factor;
  }
}

}  // namespace chipsim

#include "sim/core/supply_tiers.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "sim/core/model.hpp"
#include "sim/core/state.hpp"

namespace chipsim {

double gross_dies_per_wafer(double area_mm2, double diameter_mm) {
  if (!(area_mm2 > 0) || !(diameter_mm > 0))
    throw std::invalid_argument("gross_dies_per_wafer: die area and wafer diameter must be positive");
  const double r = diameter_mm / 2;
  const double dies = std::numbers::pi * r * r / area_mm2 - std::numbers::pi * diameter_mm / std::sqrt(2.0 * area_mm2);
  return std::max(0.0, dies);
}

double poisson_yield(double area_mm2, double d0_per_cm2) { return std::exp(-area_mm2 / 100.0 * std::max(0.0, d0_per_cm2)); }

double node_defect_density(const ProcessNode& node, double wafers) {
  const double excess = node.defect_density_per_cm2 - node.defect_density_floor_per_cm2;
  if (!(node.learning_rate > 0) || !(excess > 0)) return node.defect_density_per_cm2;
  const double b = -std::log2(1.0 - node.learning_rate);
  const double doublings_base = std::max(1.0, wafers / node.learning_reference_wafers);
  return node.defect_density_floor_per_cm2 + excess * std::pow(doublings_base, -b);
}

namespace {
bool contains(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }
bool covers(const SupplyRule& r, int country) {
  return r.jurisdictions.empty() ? r.issuer == country : contains(r.jurisdictions, country);
}
}  // namespace

double tool_access(const Model& model, const State& state, int country, int tool) {
  double denied = 0;
  for (const EquipmentSupplier& s : model.equipment_suppliers) {
    if (s.tool != tool || s.country == country) continue;  // own makers are never denied
    double stopped = 0;  // the largest enforcement among the rules in force that deny this supply
    for (const SupplyRule& r : state.supply_rules)
      if (r.kind == SupplyRule::Kind::equipment && covers(r, s.country) && contains(r.destinations, country) &&
          contains(r.tools, tool))
        stopped = std::max(stopped, std::clamp(r.enforcement >= 0 ? r.enforcement : state.enforcement(r.issuer), 0.0, 1.0));
    denied += s.share * stopped;
  }
  return std::clamp(1.0 - denied, 0.0, 1.0);
}

double equipment_access(const Model& model, const State& state, int country, const std::vector<int>& tools) {
  double access = 1.0;
  for (int t : tools) access = std::min(access, tool_access(model, state, country, t));
  return access;
}

bool foundry_denied(const State& state, int customer, int customer_home, int country, double feature_nm, bool packaging) {
  for (const SupplyRule& r : state.supply_rules) {
    if (r.kind != SupplyRule::Kind::foundry || !covers(r, country)) continue;
    if (packaging ? !r.packaging : feature_nm > r.max_feature_nm) continue;
    if (contains(r.customers, customer) || contains(r.destinations, customer_home)) return true;
  }
  return false;
}

}  // namespace chipsim

#include "sim/core/control_rule.hpp"

#include <algorithm>

namespace chipsim {

namespace {
constexpr std::array<std::string_view, kAttributes> kAttributeNames = {
    "tpp", "perf_density", "interconnect_GBps", "memory_bandwidth_GBps", "hbm_stacks",
    "bandwidth_density_GBps_mm2", "hbm_generation"};
}

std::string_view attribute_name(Attribute a) { return kAttributeNames.at(static_cast<int>(a)); }

std::optional<Attribute> attribute_from_name(std::string_view name) {
  for (int i = 0; i < kAttributes; ++i)
    if (kAttributeNames[i] == name) return static_cast<Attribute>(i);
  return std::nullopt;
}

bool Condition::holds(const ProductAttributes& a) const {
  const double v = a[static_cast<int>(attribute)];
  if (std::isnan(v)) return false;
  switch (comparison) {
    case Comparison::ge: return v >= threshold;
    case Comparison::gt: return v > threshold;
    case Comparison::le: return v <= threshold;
    case Comparison::lt: return v < threshold;
  }
  return false;
}

bool ControlRule::matches(int product, const ProductAttributes& a) const {
  for (const Prong& p : prongs) {
    if (!p.products.empty() && std::find(p.products.begin(), p.products.end(), product) == p.products.end())
      continue;
    if (std::all_of(p.conditions.begin(), p.conditions.end(), [&](const Condition& c) { return c.holds(a); }))
      return true;
  }
  return false;
}

}  // namespace chipsim

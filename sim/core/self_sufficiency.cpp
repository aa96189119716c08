#include "sim/core/self_sufficiency.hpp"

#include <limits>

namespace chipsim {

std::optional<SelfSufficiencyMeasure> parse_self_sufficiency_measure(std::string_view name) {
  if (name == "compute") return SelfSufficiencyMeasure::compute;
  if (name == "value") return SelfSufficiencyMeasure::value;
  if (name == "units") return SelfSufficiencyMeasure::units;
  return std::nullopt;
}

const char* self_sufficiency_measure_name(SelfSufficiencyMeasure measure) {
  switch (measure) {
    case SelfSufficiencyMeasure::compute: return "compute";
    case SelfSufficiencyMeasure::value: return "value";
    case SelfSufficiencyMeasure::units: return "units";
  }
  return "compute";
}

double self_sufficiency_weight(ProductKind kind, double performance_h100e, double price_usd, SelfSufficiencyMeasure measure) {
  switch (measure) {
    case SelfSufficiencyMeasure::compute: return kind == ProductKind::accelerator ? performance_h100e : 1.0;
    case SelfSufficiencyMeasure::value: return price_usd;
    case SelfSufficiencyMeasure::units: return 1.0;
  }
  return 1.0;
}

double self_sufficiency(const Model& model, const State& state, ProductKind kind, int country,
                        SelfSufficiencyMeasure measure) {
  double all = 0, home = 0;
  for (int j : model.products_of(kind)) {
    const double u = state.units_to(j, country);
    if (u == 0) continue;
    const double w = u * self_sufficiency_weight(kind, state.performance_h100e(j), state.price_to_usd(j, country), measure);
    all += w;
    if (model.products[j].origin == country) home += w;
  }
  return all > 0 ? home / all : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace chipsim

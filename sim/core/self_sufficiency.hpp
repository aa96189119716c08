#pragma once
// Self-sufficiency: the domestic-made share of a country's purchases of a product kind
// (docs/SPEC.md §7, metrics). Buyers choose compute, and chips differ ~18x in H100-equivalents
// (an MLU370 against a B200), so the headline measure is compute: H100e bought from domestic
// makers (origin = the country) over all H100e bought. By value (producer prices) and by units
// are the secondary measure and a diagnostic. For HBM, "compute" counts stacks (the HBM
// generations carry no bandwidth figure in the model): it equals the units measure.
#include <optional>
#include <string_view>

#include "sim/core/model.hpp"
#include "sim/core/state.hpp"

namespace chipsim {

enum class SelfSufficiencyMeasure { compute, value, units };

// "compute", "value" or "units"; nullopt otherwise.
std::optional<SelfSufficiencyMeasure> parse_self_sufficiency_measure(std::string_view name);
const char* self_sufficiency_measure_name(SelfSufficiencyMeasure measure);

// Weight of one unit of a product of `kind` in the measure: its H100e per unit (accelerators,
// state.performance_h100e; 1 for HBM), the producer price (USD), or 1.
double self_sufficiency_weight(ProductKind kind, double performance_h100e, double price_usd, SelfSufficiencyMeasure measure);

// Domestic share of `country`'s purchases of `kind` this period, from state.units_to and
// state.price_usd; NaN when nothing was bought.
double self_sufficiency(const Model& model, const State& state, ProductKind kind, int country,
                        SelfSufficiencyMeasure measure);

}  // namespace chipsim

#pragma once
// Stage 4 (docs/SPEC.md §5): the HBM market clears. Buyers are accelerator product lines (their
// makers' derived demand, from plan_production); sellers are the HBM makers. Same machinery
// as the accelerator market: logit demand with an outside option ("do without": output is
// then limited) and multi-product Bertrand-Nash pricing with capacity limits.
//
// A product line can only use HBM of at least its minimum generation; the HBM export-control
// rules (e.g. bandwidth density > 2 GB/s/mm² to China, Dec 2024) mask HBM by the maker's
// country. Buyers are grouped by (country, minimum generation) for these masks. Assumptions:
// no home bias in HBM purchases; the price coefficient is the maker's hbm_price_sensitivity;
// HBM products' mean utility is their appeal; one stack per purchase decision.
#include "sim/core/model.hpp"
#include "sim/core/state.hpp"

namespace chipsim {

void clear_hbm_market(const Model& model, State& state);

}  // namespace chipsim

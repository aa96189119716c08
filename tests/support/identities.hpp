#pragma once
// Recomputes the money and unit identities of a run from its recorded series, independently of
// the in-run invariant checks: buyers' payments (AI firms + HBM) = revenue + tariffs + grey
// margins; fee income = fees owed; each firm's cash change = sales net of fees and unit cost
// - HBM - R&D - capex; units sold <= capacity; prices net of fees >= unit cost.
#include "sim/core/model.hpp"
#include "sim/core/series.hpp"

namespace chipsim::test {

void check_identities(const Model& m, const Series& s);

}  // namespace chipsim::test

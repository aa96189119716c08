#pragma once
// Stage 6 (docs/SPEC.md §5): accounting. Revenue by firm and destination, licence fees to the
// licensing government, tariffs to the importing government, trade flows, firms' cash; then
// the conservation checks.
//
// Money identity per period (checked):
//   AI firms' and accelerator makers' (HBM) payments = firms' gross revenue + tariff income
//     + grey-market intermediaries' markups
//   sum of firms' gross revenue = sum of firms' net receipts + licence-fee income
// HBM: stacks used = stacks per unit x accelerators sold; stock <- stock + bought - used >= 0.
// Units identity (checked): units delivered to destinations = units sold <= capacity (for
// accelerators: capacity limited by usable HBM), no
// units delivered where access is denied, no negative flows; prices net of licence fees >=
// marginal cost (incl. HBM) for every product sold.
#include "sim/core/model.hpp"
#include "sim/core/state.hpp"

namespace chipsim {

void book_accounts(const Model& model, State& state);

// Throws InvariantError naming the period and the quantity that broke.
void check_invariants(const Model& model, const State& state);

}  // namespace chipsim

#pragma once
// The nested logit's pricing pass by the expansion in the buyers' price sensitivity
// (sim/demand/logit_series.hpp; docs/MODEL_NOTES.md, "Evaluating the logit pass").
#include "sim/demand/logit_series.hpp"

namespace chipsim {

// The nested logit with nests "domestic" (products made in the buyer's country, and all others;
// sim/demand/nested_logit_demand.cpp) by the same expansion of exp(V / lambda): its sums by buyer
// country in owner-grouped product order (C x P each). Per buyer i of country c, with s_ij its
// share and s_j|n its share within j's nest n:
//   t1 += M_i s_ij,  t2 += M_i alpha_i s_ij,  t3 += M_i alpha_i s_ij F_i,f(j),
//   t4 += M_i alpha_i s_ij^2,  t5 += M_i alpha_i s_j|n H_i,f(j),n,  t6 += M_i alpha_i s_ij s_j|n,
// where F_if = sum_{k in f} unit_margin_ck s_ik and H_ifn is the same sum over f's products in n.
struct NestedCountrySums {
  RowArray t1, t2, t3, t4, t5, t6;
  void reset(int C, int P) {
    for (RowArray* a : {&t1, &t2, &t3, &t4, &t5, &t6}) a->setZero(C, P);
  }
};

// plan: from plan_logit_series with utility_scale = 1 / lambda and shift_by_nest. Fills `total`
// and, when `allocation` (with delivered_per_choice in g), the per-buyer fields of `out`.
void nested_logit_series_pass(const MarketData& m, const OwnerGroupedRows& g, const LogitSeriesPlan& plan, double lambda,
                              bool allocation, NestedCountrySums& total, PricingTerms& out);

}  // namespace chipsim

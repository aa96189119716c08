#pragma once
// What both evaluations of the logit pricing pass share (sim/demand/logit_demand.cpp, the direct one,
// and sim/demand/logit_series.cpp, the expansion in the buyers' price sensitivity): the market's
// products grouped by owner with the rows the pass derives from them, and the pass's sums by
// buyer country.
#include <Eigen/Core>
#include <vector>

#include "sim/demand/market_rows.hpp"

namespace chipsim {

// The market's products grouped by owner (stable): market_rows (sim/demand/market_rows.hpp) in that
// column order, plus the rows the logit pass derives from them.
struct OwnerGroupedRows {
  std::vector<int> product;   // position -> market product
  std::vector<int> segment;   // first position of each owner's products; back() = P
  MarketRows rows;            // column k = product[k]
  RowArray base;              // delta_j + shift_cj, utils; -inf where j cannot be bought in c (C x P)
  RowArray price_utility;     // n_j (1 + tariff_cj) p_j: alpha_i times this is the price term, USD
  RowArray unit_margin;       // n_j ((1 - fee_cj) p_j - c_j): the seller's margin per decision, USD
  Eigen::Array<double, 1, Eigen::Dynamic> delivered_per_choice;  // n_j x rationing_j, units
  Eigen::Array<double, 1, Eigen::Dynamic> performance;           // H100e per unit
};

OwnerGroupedRows owner_grouped_rows(const MarketData& m, const Eigen::VectorXd& p, const Eigen::VectorXd* rationing);
// The same into g, reusing its arrays (no allocation when the shape is unchanged).
void fill_owner_grouped_rows(const MarketData& m, const Eigen::VectorXd& p, const Eigen::VectorXd* rationing, OwnerGroupedRows& g);
// Only what depends on prices, marginal costs and rationing, in a g filled for the same market
// otherwise (buyer_price, margin, price_utility, unit_margin, delivered_per_choice).
void update_owner_grouped_prices(const MarketData& m, const Eigen::VectorXd& p, const Eigen::VectorXd* rationing, OwnerGroupedRows& g);

// The pass's sums by buyer country, in owner-grouped product order (C x P each). Per buyer i of
// country c, with s_ij its share and w_ij = M_i alpha_i s_ij:
//   s1_cj += M_i s_ij,  s2_cj += w_ij,  s3_cj += w_ij G_i,f(j),  s4_cj += w_ij s_ij,
//   units_cj += M_i s_ij n_j rationing_j (allocation passes only),
// where G_if = sum_{k in f} unit_margin_ck s_ik.
struct LogitCountrySums {
  RowArray s1, s2, s3, s4, units;
  Eigen::Array<double, 1, Eigen::Dynamic> u, e, firm;  // one buyer's utilities, exponentials, firm sums (P): scratch
  void reset(int C, int P, bool allocation) {
    for (RowArray* a : {&s1, &s2, &s3, &s4}) a->setZero(C, P);
    if (allocation) units.setZero(C, P);
  }
  void add(const LogitCountrySums& o, bool allocation) {
    s1 += o.s1;
    s2 += o.s2;
    s3 += o.s3;
    s4 += o.s4;
    if (allocation) units += o.units;
  }
};

}  // namespace chipsim

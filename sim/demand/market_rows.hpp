#pragma once
// Per-country views of a market's product side at given prices, shared by the demand models:
// (C x P) row-major arrays, so that a buyer's country row is contiguous.
#include <Eigen/Core>
#include <vector>

#include "sim/demand/market_data.hpp"

namespace chipsim {

using RowArray = Eigen::Array<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct MarketRows {
  RowArray buyer_price;  // p_j (1 + tariff_cj): what a buyer in c pays per unit
  RowArray home;         // 1 if product j is made in c
  RowArray shift;        // utility shift by destination (grey-market flows: ln(leak share))
  RowArray avail;        // 1 if j may be bought in c (available and with capacity)
  RowArray net_share;    // 1 - fee_cj: the seller's share of the price
  RowArray margin;       // (1 - fee_cj) p_j - c_j
  RowArray price_factor; // n_j (1 + tariff_cj): multiplies alpha_i p_j in the utility
};

// Column k describes product order[k] (all products in market order when order is null).
MarketRows market_rows(const MarketData& m, const Eigen::VectorXd& price, const std::vector<int>* order = nullptr);
// The same into r, reusing its arrays (no allocation when the shape is unchanged).
void fill_market_rows(const MarketData& m, const Eigen::VectorXd& price, const std::vector<int>* order, MarketRows& r);
// Only the rows that depend on prices and marginal costs (buyer_price, margin), in an r filled
// for the same market otherwise.
void update_market_price_rows(const MarketData& m, const Eigen::VectorXd& price, const std::vector<int>* order, MarketRows& r);

}  // namespace chipsim

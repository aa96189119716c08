#pragma once
// One market's inputs for a period, flattened for the demand models: buyers (rows) and
// products (columns), with access, tariffs and licence fees by buyer country. The same
// structure serves the accelerator market (buyers = AI firms) and, later, the HBM market.
#include <Eigen/Core>
#include <vector>

namespace chipsim {

struct MarketData {
  // Buyers (A)
  Eigen::VectorXd market_size;      // potential units per period of each buyer
  Eigen::VectorXd alpha;            // price coefficient, utils per USD (> 0)
  Eigen::VectorXd home_bias;        // utility of products made in the buyer's country, utils
  std::vector<int> buyer_country;   // country index of each buyer

  // Products (P)
  Eigen::VectorXd mean_utility;     // delta_j: quality and appeal, utils
  Eigen::VectorXd marginal_cost;    // USD per unit
  Eigen::VectorXd capacity;         // units per period available (<= 0 means not offered)
  Eigen::VectorXd performance;      // H100-equivalents per unit
  Eigen::VectorXd units_per_choice; // n_j: units bought per purchase decision (1 = chips; 1/performance = compute)
  std::vector<int> product_origin;  // country index
  std::vector<int> product_owner;   // firm index; firms price their products jointly
  std::vector<int> world_index;     // Model product index of each market product (empty: the same)
  int n_owners = 0;
  int n_countries = 0;

  // Access by product and buyer country (P x C)
  Eigen::ArrayXXd available;        // 1 = may be bought, 0 = masked out
  Eigen::ArrayXXd tariff_rate;      // ad-valorem wedge: the buyer pays p (1 + tariff)
  Eigen::ArrayXXd licence_fee;      // share of p the seller owes to the licensing government
  Eigen::ArrayXXd utility_shift;    // extra utility by destination (grey-market flows: ln(leak share)); empty = 0

  int n_buyers() const { return static_cast<int>(market_size.size()); }
  int n_products() const { return static_cast<int>(mean_utility.size()); }
  double shift(int j, int c) const { return utility_shift.size() ? utility_shift(j, c) : 0.0; }
};

}  // namespace chipsim

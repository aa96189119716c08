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
  // Pricing by destination (third-degree price discrimination): column k is product
  // world_index[k] priced for country destination[k], sold to the countries served(k, .) (its
  // destination, and flows routed through it, such as smuggled units booked there); the columns
  // of one product share its ceiling: capacity_group[k] is the group's first column, capacity(k)
  // the group's ceiling (the same on every column of the group). All empty: one price per
  // product sold everywhere, every column its own ceiling (uniform pricing).
  std::vector<int> destination;     // pricing country of each column (P), or empty
  std::vector<int> capacity_group;  // first column of each column's group (P), or empty
  Eigen::ArrayXXd served;           // 1 where column k sells to country c (P x C), or empty
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
  // Is column k priced for buyers in country c? (Always, under uniform pricing.)
  bool serves(int k, int c) const { return served.size() == 0 || served(k, c) > 0; }
  int group_of(int k) const { return capacity_group.empty() ? k : capacity_group[static_cast<std::size_t>(k)]; }
};

// The same market priced by destination: each product j gets one column per country c that has
// buyers and columns(j, c) > 0 (by default uniform.available; P x C), at uniform's access, tariff,
// fee and shift for c, all of them sharing the product's ceiling. A flow (j, c) with
// route(j, c) = d != c (P x C, -1 = none) is sold through d's column of j, at d's price, where
// that column exists (a smuggled flow booked in a third country). world_index, destination and
// served say which product each column is, which country it is priced for and sells to; a
// product with no column leaves the market. Shapes: P' = number of columns.
MarketData split_by_destination(const MarketData& uniform, const Eigen::ArrayXXd* columns = nullptr,
                                const Eigen::ArrayXXi* route = nullptr);

}  // namespace chipsim

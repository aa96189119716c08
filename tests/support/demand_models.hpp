#pragma once
// Demand models for tests, built as a scenario's [demand] table would build them.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <string>
#include <vector>
#include <toml++/toml.h>

#include "sim/core/model.hpp"
#include "sim/demand/demand_model.hpp"
#include "sim/scenario/table_reader.hpp"

namespace chipsim::test {

// The nested logit with nest parameter `lambda` and nesting `nest_by` ("domestic", "owner",
// "origin"); fails the test if the table is rejected.
inline std::shared_ptr<const DemandModel> nested_logit(double lambda, const std::string& nest_by) {
  toml::table t{{"nest_parameter", lambda}, {"nest_by", nest_by}};
  TableReader r(t, "test", "demand");
  Model world;
  auto d = make_demand_model("nested_logit", r, world);
  REQUIRE(d);
  r.finish();
  return d;
}

// The plain logit, and a start without prices (the solver initialises every entry).
inline const DemandModel& logit() {
  static const auto d = make_demand_model("logit");
  return *d;
}
inline Eigen::VectorXd nan_prices(int n) { return Eigen::VectorXd::Constant(n, std::nan("")); }

// Firm f's profit at (column) prices p under the logit: sum over its columns and buyers of
// ((1 - fee) p - c) times the units actually sold, with each ceiling's excess demand (a capacity
// group's, summed over its columns) rationed proportionally, as the market does.
inline double firm_profit(const MarketData& m, const Eigen::VectorXd& p, int f) {
  const Eigen::ArrayXXd q = logit().quantities(m, p);
  std::vector<double> group_demand(static_cast<std::size_t>(m.n_products()), 0.0);
  for (int k = 0; k < m.n_products(); ++k) group_demand[static_cast<std::size_t>(m.group_of(k))] += q.col(k).sum();
  double profit = 0;
  for (int k = 0; k < m.n_products(); ++k) {
    if (m.product_owner[static_cast<std::size_t>(k)] != f) continue;
    const double demand = group_demand[static_cast<std::size_t>(m.group_of(k))];
    const double served = demand > m.capacity(k) && demand > 0 ? m.capacity(k) / demand : 1.0;
    for (int i = 0; i < m.n_buyers(); ++i) {
      const int c = m.buyer_country[static_cast<std::size_t>(i)];
      profit += ((1.0 - m.licence_fee(k, c)) * p(k) - m.marginal_cost(k)) * q(i, k) * served;
    }
  }
  return profit;
}

}  // namespace chipsim::test

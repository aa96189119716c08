#include "sim/demand/logit_rows.hpp"

#include <algorithm>
#include <limits>

namespace chipsim {

namespace {
// The owner-grouped columns that depend on prices, marginal costs and rationing (rows filled).
void fill_price_columns(const MarketData& m, const Eigen::VectorXd& p, const Eigen::VectorXd* rationing, OwnerGroupedRows& g) {
  for (int k = 0; k < m.n_products(); ++k) {
    const int j = g.product[static_cast<std::size_t>(k)];
    const double n = m.units_per_choice(j);
    g.delivered_per_choice(k) = n * (rationing ? (*rationing)(j) : 1.0);
    g.price_utility.col(k) = g.rows.price_factor.col(k) * p(j);
    g.unit_margin.col(k) = n * g.rows.margin.col(k);
  }
}
}  // namespace

OwnerGroupedRows owner_grouped_rows(const MarketData& m, const Eigen::VectorXd& p, const Eigen::VectorXd* rationing) {
  OwnerGroupedRows g;
  fill_owner_grouped_rows(m, p, rationing, g);
  return g;
}

void fill_owner_grouped_rows(const MarketData& m, const Eigen::VectorXd& p, const Eigen::VectorXd* rationing, OwnerGroupedRows& g) {
  const int C = m.n_countries, P = m.n_products();
  g.product.resize(static_cast<std::size_t>(P));
  g.segment.clear();
  for (int j = 0; j < P; ++j) g.product[static_cast<std::size_t>(j)] = j;
  std::stable_sort(g.product.begin(), g.product.end(), [&](int a, int b) { return m.product_owner[a] < m.product_owner[b]; });
  for (int k = 0; k < P; ++k)
    if (k == 0 || m.product_owner[g.product[k]] != m.product_owner[g.product[k - 1]]) g.segment.push_back(k);
  g.segment.push_back(P);
  fill_market_rows(m, p, &g.product, g.rows);
  for (RowArray* a : {&g.base, &g.price_utility, &g.unit_margin}) a->resize(C, P);
  g.delivered_per_choice.resize(P);
  g.performance.resize(P);
  for (int k = 0; k < P; ++k) {
    const int j = g.product[static_cast<std::size_t>(k)];
    g.performance(k) = m.performance(j);
    g.base.col(k) = (g.rows.avail.col(k) > 0).select(m.mean_utility(j) + g.rows.shift.col(k), -std::numeric_limits<double>::infinity());
  }
  fill_price_columns(m, p, rationing, g);
}

void update_owner_grouped_prices(const MarketData& m, const Eigen::VectorXd& p, const Eigen::VectorXd* rationing, OwnerGroupedRows& g) {
  update_market_price_rows(m, p, &g.product, g.rows);
  fill_price_columns(m, p, rationing, g);
}

}  // namespace chipsim

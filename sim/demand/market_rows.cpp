#include "sim/demand/market_rows.hpp"

namespace chipsim {

MarketRows market_rows(const MarketData& m, const Eigen::VectorXd& p, const std::vector<int>* order) {
  MarketRows r;
  fill_market_rows(m, p, order, r);
  return r;
}

void fill_market_rows(const MarketData& m, const Eigen::VectorXd& p, const std::vector<int>* order, MarketRows& r) {
  const int C = m.n_countries, P = m.n_products();
  r.buyer_price.resize(C, P);
  r.home.resize(C, P);
  r.shift.resize(C, P);
  r.avail.resize(C, P);
  r.net_share.resize(C, P);
  r.margin.resize(C, P);
  r.price_factor.resize(C, P);
  for (int c = 0; c < C; ++c)
    for (int k = 0; k < P; ++k) {
      const int j = order ? (*order)[static_cast<std::size_t>(k)] : k;
      const bool offered = m.available(j, c) > 0 && m.capacity(j) > 0;
      r.price_factor(c, k) = m.units_per_choice(j) * (1.0 + m.tariff_rate(j, c));
      r.home(c, k) = m.product_origin[j] == c ? 1.0 : 0.0;
      r.shift(c, k) = m.shift(j, c);
      r.avail(c, k) = offered ? 1.0 : 0.0;
      r.net_share(c, k) = 1.0 - m.licence_fee(j, c);
    }
  update_market_price_rows(m, p, order, r);
}

void update_market_price_rows(const MarketData& m, const Eigen::VectorXd& p, const std::vector<int>* order, MarketRows& r) {
  const int C = m.n_countries, P = m.n_products();
  for (int c = 0; c < C; ++c)
    for (int k = 0; k < P; ++k) {
      const int j = order ? (*order)[static_cast<std::size_t>(k)] : k;
      r.buyer_price(c, k) = p(j) * (1.0 + m.tariff_rate(j, c));
      r.margin(c, k) = r.net_share(c, k) * p(j) - m.marginal_cost(j);
    }
}

}  // namespace chipsim

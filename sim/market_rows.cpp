#include "sim/market_rows.hpp"

namespace chipsim {

MarketRows market_rows(const MarketData& m, const Eigen::VectorXd& p) {
  const int C = m.n_countries, P = m.n_products();
  MarketRows r;
  r.buyer_price.resize(C, P);
  r.home.resize(C, P);
  r.shift.resize(C, P);
  r.avail.resize(C, P);
  r.net_share.resize(C, P);
  r.margin.resize(C, P);
  r.price_factor.resize(C, P);
  for (int c = 0; c < C; ++c)
    for (int j = 0; j < P; ++j) {
      const bool offered = m.available(j, c) > 0 && m.capacity(j) > 0;
      r.price_factor(c, j) = m.units_per_choice(j) * (1.0 + m.tariff_rate(j, c));
      r.buyer_price(c, j) = p(j) * (1.0 + m.tariff_rate(j, c));
      r.home(c, j) = m.product_origin[j] == c ? 1.0 : 0.0;
      r.shift(c, j) = m.shift(j, c);
      r.avail(c, j) = offered ? 1.0 : 0.0;
      r.net_share(c, j) = 1.0 - m.licence_fee(j, c);
      r.margin(c, j) = r.net_share(c, j) * p(j) - m.marginal_cost(j);
    }
  return r;
}

}  // namespace chipsim

#include "sim/demand/consumer_welfare.hpp"

namespace chipsim {

Eigen::VectorXd rationed_consumer_surplus(const DemandModel& demand, const MarketData& m, const Eigen::VectorXd& price,
                                          const PricingTerms* at) {
  Eigen::VectorXd cs;
  if (at && at->buyer_log_sum.size() == m.n_buyers())
    cs = (m.market_size.array() / m.alpha.array() * at->buyer_log_sum.array()).matrix();
  else
    cs = demand.consumer_surplus(m, price);
  if (!m.utility_shift.size()) return cs;
  bool any = false;
  for (Eigen::Index k = 0; k < m.utility_shift.size() && !any; ++k) any = m.utility_shift(k) < 0;
  if (!any) return cs;
  const Eigen::ArrayXXd q = demand.quantities(m, price);  // buyers x products, units
  for (int i = 0; i < m.n_buyers(); ++i) {
    const int c = m.buyer_country[static_cast<std::size_t>(i)];
    double rent = 0;
    for (int j = 0; j < m.n_products(); ++j) {
      const double tau = -m.utility_shift(j, c);
      if (tau > 0 && q(i, j) > 0) rent += tau / m.alpha(i) * q(i, j) / m.units_per_choice(j);
    }
    cs(i) += rent;
  }
  return cs;
}

}  // namespace chipsim

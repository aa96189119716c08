#pragma once
// Buyers' consumer surplus when some purchases are rationed (Neary & Roberts 1980). Quotas,
// smuggling bounds and procurement mandates are held by utility wedges tau_cj >= 0 on the
// products a buyer in country c may buy (MarketData::utility_shift = -tau): virtual prices that
// nobody is paid. The buyer's welfare is its log-sum at those virtual prices plus the rent of the
// wedges on what it buys:
//     CS_i = (M_i / alpha_i) ln(1 + sum_j exp(u_ij)) + sum_j (tau_cj / alpha_i) q_ij / n_j,
// USD per period (A). The envelope theorem gives dCS_i/dtau = 0 at tau = 0: a slack wedge costs
// nothing, and a binding one costs only the second-order loss of the rationing (tested).
// NaN where the model has no log-sum (CES).
#include <Eigen/Core>

#include "sim/demand/demand_model.hpp"
#include "sim/demand/market_data.hpp"

namespace chipsim {

// `at`: the allocation pass at `price`, whose buyer_log_sum (when the model filled it) spares a
// second evaluation of every buyer's log-sum.
Eigen::VectorXd rationed_consumer_surplus(const DemandModel& demand, const MarketData& m, const Eigen::VectorXd& price,
                                          const PricingTerms* at = nullptr);

}  // namespace chipsim

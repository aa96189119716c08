#pragma once
// Multi-product Bertrand-Nash pricing with capacity limits (docs/SPEC.md §3, Chipmakers/Pricing).
//
// Each firm sets the prices of its products to maximise sum_i sum_j ((1 - fee_ij) p_j - c_j) q_ij.
// The first-order conditions are solved by the zeta fixed point of Morrow & Skerlos (2011):
//     p_j <- (c_j slope_j + foc_rest_j) / slope_net_j            (see PricingTerms),
// one O(buyers x products) pass per iteration. Where demand at the Bertrand price exceeds
// capacity K_j the price rises until demand equals capacity: each iteration also takes a Newton
// step towards Q_j(p) = K_j on the product's own price and keeps the higher of the two prices.
// Any remaining excess (within tolerance) is rationed proportionally across buyers.
// The iteration runs on log prices with Anderson acceleration (sim/markets/anderson_acceleration.hpp);
// a step that raises the residual more than fourfold is replaced by the plain step and the
// acceleration restarts; after 200 iterations it falls back to damped plain steps. The answer
// is the last price vector evaluated, whose largest relative change under the map is below
// the tolerance.
#include <Eigen/Core>

#include "sim/demand/demand_model.hpp"

namespace chipsim {

struct PricingOptions {
  double tolerance = 1e-9;   // stop when max |dp| / p falls below this
  int max_iterations = 2000;
  int acceleration_memory = 5;  // Anderson acceleration over this many past steps (0 = plain iteration)
};

struct Equilibrium {
  Eigen::VectorXd price;        // USD per unit (P)
  Eigen::VectorXd rationing;    // share of demand served, 1 unless capacity binds (P)
  PricingTerms terms;           // at the equilibrium prices, with allocation
  int iterations = 0;
  double residual = 0;          // max relative price change of the last iteration
  bool converged = false;
};

// warm_start: previous prices (NaN or <= cost entries are re-initialised to c + 1/mean alpha).
Equilibrium solve_bertrand_nash(const DemandModel& demand, const MarketData& market,
                                const Eigen::VectorXd& warm_start, const PricingOptions& options);

// The same, with exit from loss-making licensed sales: a seller does not sell into a
// destination where the price net of the licence fee is below marginal cost, (1 - f) p < c.
// Such (product, destination) pairs are masked in `market` and the equilibrium is solved again
// (masks only grow, so this ends). Returns the final equilibrium; `market.available` shows the
// pairs withdrawn.
Equilibrium solve_bertrand_nash_with_exit(const DemandModel& demand, MarketData& market,
                                          const Eigen::VectorXd& warm_start, const PricingOptions& options);

}  // namespace chipsim

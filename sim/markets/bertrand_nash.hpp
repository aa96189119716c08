#pragma once
// Multi-product Bertrand-Nash pricing with capacity limits (docs/SPEC.md §3, Chipmakers/Pricing).
//
// Each firm f chooses the prices of all its products to maximise its profit subject to the
// output ceilings of those products,
//     max_p  sum_{j in f} sum_i ((1 - fee_ij) p_j - c_j) q_ij(p)   s.t.  Q_j(p) <= K_j,
// whose KKT conditions are (Lagrangian with one multiplier mu_j >= 0 per product):
//     sum_i (1 - fee_ij) q_ij + sum_{k in f} sum_i m_ik dq_ik/dp_j = 0,
//     m_ik = (1 - fee_ik) p_k - c_k - mu_k,                                       (stationarity)
//     mu_j >= 0,  Q_j <= K_j,  mu_j (K_j - Q_j) = 0                   (complementary slackness).
// The shadow cost mu_j of a bound product enters its owner's whole first-order system as an
// extra marginal cost, so a firm with one product at its ceiling also prices its other products
// knowing that diverted sales of the bound one are worth only its shadow margin (Nash
// equilibrium with capacity constraints; e.g. Vives 1999, "Oligopoly Pricing", ch. 5; the
// multi-product logit case as in Morrow & Skerlos 2011, with c replaced by c + mu).
//
// The system is solved by the zeta fixed point of Morrow & Skerlos (2011), "Fixed-point
// approaches to computing Bertrand-Nash equilibrium prices under mixed logit demand",
// Operations Research 59(2), applied to the costs c + mu:
//     zeta_j = ((c_j + mu_j) slope_j + foc_rest_j) / slope_net_j            (see PricingTerms),
// one O(buyers x products) pass per iteration, jointly with the multipliers: each iteration
// takes a Newton step towards Q_j(p) = K_j on the product's own price (the clearing price) and
// sets mu_j so that zeta_j equals it, using d zeta_j / d mu_j = -(dQ_j/dp_j) / slope_net_j;
// where that mu_j would be negative the ceiling is slack, mu_j = 0 and the price is zeta_j.
// When the demand model gives a low-rank approximation of its cross-price derivatives (the
// logit does), the products found bound then take a joint step instead: their clearing prices
// solve the linearised Q_B = K_B with every bound price moving together, and each firm's
// multipliers solve its linear stationarity conditions together (sim/markets/capacity_clearing.hpp).
// A step on one price at a time misses the common mode of the logit, every price acting on every
// share through the outside option, and took 11 passes a warm period where most ceilings bind.
// These steps change the path only: the fixed point is the same KKT system.
// Columns that share a ceiling (MarketData::capacity_group: a product priced by destination)
// share one multiplier, found by the same Newton step on the group's total demand.
// The iteration runs on (log prices, multipliers) with Anderson acceleration
// (sim/markets/anderson_acceleration.hpp) once the largest relative change is below 0.05 (plain
// steps before); after 200 iterations it falls back to damped plain steps. The answer is the
// point whose largest relative change of a price (or of a multiplier, relative to the price)
// under the map is below the tolerance; at the iteration cap, the best point evaluated. Any
// excess demand left within the tolerance is rationed proportionally across buyers.
#include <Eigen/Core>

#include "sim/demand/demand_model.hpp"

namespace chipsim {

struct PricingOptions {
  double tolerance = 1e-9;   // stop when max |dp| / p falls below this
  int max_iterations = 2000;
  int acceleration_memory = 5;  // Anderson acceleration over this many past steps (0 = plain iteration)
  // The demand model's scratch, carried from solve to solve of one market (a caller that solves
  // the same market many times keeps it here; set by the solver). Holds no result.
  mutable std::shared_ptr<PassWorkspace> workspace{};
};

// Shapes: P = market columns (products, or (product, destination) pairs when priced by
// destination); the multipliers of a capacity group are equal.
struct Equilibrium {
  Eigen::VectorXd price;        // USD per unit (P)
  Eigen::VectorXd rationing;    // share of demand served, 1 unless capacity binds (P)
  Eigen::VectorXd shadow_cost;  // mu_j: KKT multiplier of product j's output ceiling, USD per unit (P); 0 when slack
  PricingTerms terms;           // at the equilibrium prices, with allocation
  int iterations = 0;
  double residual = 0;          // max relative price change of the last iteration
  bool converged = false;
};

// warm_start: previous prices (NaN or <= cost entries are re-initialised to c + 1/mean alpha);
// warm_shadow_cost: previous multipliers (P, USD per unit; null, NaN or negative entries start at 0).
Equilibrium solve_bertrand_nash(const DemandModel& demand, const MarketData& market,
                                const Eigen::VectorXd& warm_start, const PricingOptions& options,
                                const Eigen::VectorXd* warm_shadow_cost = nullptr);

// The same, with exit from loss-making licensed sales: a seller does not sell into a
// destination where the price net of the licence fee is below marginal cost, (1 - f) p < c.
// Such (product, destination) pairs are masked in `market` and the equilibrium is solved again
// (masks only grow, so this ends). Returns the final equilibrium; `market.available` shows the
// pairs withdrawn.
Equilibrium solve_bertrand_nash_with_exit(const DemandModel& demand, MarketData& market,
                                          const Eigen::VectorXd& warm_start, const PricingOptions& options,
                                          const Eigen::VectorXd* warm_shadow_cost = nullptr);

}  // namespace chipsim

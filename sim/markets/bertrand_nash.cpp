#include "sim/markets/bertrand_nash.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/markets/anderson_acceleration.hpp"

namespace chipsim {

namespace {
// A Newton step towards the capacity-clearing price may at most double or halve a price in
// one iteration: logit demand is flat far from the kink, where Newton overshoots.
constexpr double kMaxNewtonFactor = 2.0;
// After this many iterations without convergence, updates are averaged with the old price.
constexpr int kDampAfter = 200;
const double kMaxLogCorrection = std::log(kMaxNewtonFactor);
// An accelerated step is rejected when it multiplies the residual by more than this.
constexpr double kRejectGrowth = 4.0;
}  // namespace

Equilibrium solve_bertrand_nash(const DemandModel& demand, const MarketData& market,
                                const Eigen::VectorXd& warm_start, const PricingOptions& options) {
  const int P = market.n_products();
  Equilibrium eq;
  eq.price = warm_start;
  const double mean_alpha = market.n_buyers() > 0 ? market.alpha.mean() : 1.0;
  for (int j = 0; j < P; ++j)
    if (!(eq.price(j) > market.marginal_cost(j)) || !std::isfinite(eq.price(j)))
      eq.price(j) = market.marginal_cost(j) + 1.0 / mean_alpha;

  PricingTerms t;
  Eigen::VectorXd target(P);
  AndersonAcceleration acceleration(options.acceleration_memory);
  double last_change = std::numeric_limits<double>::infinity();
  Eigen::VectorXd last_target;  // the plain step from the last point evaluated
  bool accelerated = false;     // whether the current point came from an accelerated step
  double best_change = std::numeric_limits<double>::infinity();  // kept for a solve that hits the cap
  Eigen::VectorXd best_price = eq.price;
  PricingTerms best_terms;
  for (eq.iterations = 1;; ++eq.iterations) {
    demand.pricing_pass(market, eq.price, nullptr, t);
    double change = 0;
    for (int j = 0; j < P; ++j) {
      const double p = eq.price(j);
      if (!(t.slope_net(j) > 0)) {  // nobody can buy it: price is irrelevant, keep it
        target(j) = p;
        continue;
      }
      double best = (market.marginal_cost(j) * t.slope(j) + t.foc_rest(j)) / t.slope_net(j);
      // Newton estimate of the price at which demand equals capacity (below p when demand is
      // under capacity). At a fixed point p = max(bertrand, clearing): either the FOC holds
      // with Q_j <= K_j, or Q_j = K_j at a price above the Bertrand price.
      if (t.own_derivative(j) < 0) {
        double clearing = p + (t.quantity(j) - market.capacity(j)) / (-t.own_derivative(j));
        clearing = std::clamp(clearing, p / kMaxNewtonFactor, p * kMaxNewtonFactor);
        best = std::max(best, clearing);
      }
      if (!(best > 0)) best = p / kMaxNewtonFactor;  // prices stay positive (NaN too)
      else if (!std::isfinite(best)) best = p * kMaxNewtonFactor;
      target(j) = best;
      const double relative = std::abs(best - p) / std::max(p, 1e-300);
      if (!(relative <= change)) change = relative;  // NaN propagates: never "converged" on NaN
    }
    eq.residual = change;
    if (change < options.tolerance) {
      eq.converged = true;
      break;
    }
    if (change < best_change) {  // the best point so far (a NaN change never is)
      best_change = change;
      best_price = eq.price;
      best_terms = t;
    }
    if (eq.iterations >= options.max_iterations) {
      // Not converged: answer with the best point evaluated, not necessarily the last.
      if (best_terms.quantity.size() == P && !(change <= best_change)) {
        eq.price = best_price;
        eq.residual = best_change;
        t = best_terms;
      }
      break;
    }
    // The prices evaluated last stay the answer (t holds their terms); otherwise step on.
    if (eq.iterations > kDampAfter) {
      eq.price = 0.5 * (eq.price + target);
      continue;
    }
    if (change > kRejectGrowth * last_change && accelerated) {
      // The accelerated step made things clearly worse: take the plain step from the point
      // before it instead and start the acceleration afresh. (Smaller increases are let
      // through: accelerated iterations are not monotone, and rejecting them stalls progress
      // where capacity constraints switch on and off.)
      acceleration.restart();
      eq.price = last_target;
      accelerated = false;
      last_change = std::numeric_limits<double>::infinity();
      continue;
    }
    last_change = change;
    last_target = target;
    // The acceleration moves a price at most by the factor kMaxNewtonFactor beyond the plain step.
    const Eigen::ArrayXd plain = target.array().log();
    const Eigen::ArrayXd step = acceleration.next(eq.price.array().log().matrix(), plain.matrix()).array();
    eq.price = (plain + (step - plain).cwiseMax(-kMaxLogCorrection).cwiseMin(kMaxLogCorrection)).exp().matrix();
    accelerated = (step != plain).any();  // the first step after a (re)start is the plain one
  }

  // Allocation at the equilibrium: ration any excess demand left within the tolerance.
  eq.rationing = Eigen::VectorXd::Ones(P);
  for (int j = 0; j < P; ++j)
    if (t.quantity(j) > market.capacity(j) && t.quantity(j) > 0)
      eq.rationing(j) = std::max(0.0, market.capacity(j)) / t.quantity(j);
  demand.pricing_pass(market, eq.price, &eq.rationing, eq.terms);
  return eq;
}

Equilibrium solve_bertrand_nash_with_exit(const DemandModel& demand, MarketData& market,
                                          const Eigen::VectorXd& warm_start, const PricingOptions& options) {
  Equilibrium eq = solve_bertrand_nash(demand, market, warm_start, options);
  for (;;) {
    bool withdrawn = false;
    for (int j = 0; j < market.n_products(); ++j)
      for (int c = 0; c < market.n_countries; ++c)
        if (market.available(j, c) > 0 && market.licence_fee(j, c) > 0 &&
            (1.0 - market.licence_fee(j, c)) * eq.price(j) < market.marginal_cost(j)) {
          market.available(j, c) = 0;
          withdrawn = true;
        }
    if (!withdrawn) return eq;
    const int so_far = eq.iterations;
    eq = solve_bertrand_nash(demand, market, eq.price, options);
    eq.iterations += so_far;  // report every fixed-point pass
  }
}

}  // namespace chipsim

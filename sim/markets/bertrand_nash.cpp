#include "sim/markets/bertrand_nash.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "sim/markets/anderson_acceleration.hpp"
#include "sim/markets/capacity_clearing.hpp"

namespace chipsim {

namespace {
// A Newton step towards the capacity-clearing price may at most double or halve a price in
// one iteration: logit demand is flat far from the kink, where Newton overshoots.
constexpr double kMaxNewtonFactor = 2.0;
// After this many iterations without convergence, updates are averaged with the old price.
constexpr int kDampAfter = 200;
const double kMaxLogCorrection = std::log(kMaxNewtonFactor);
// Far from the equilibrium (largest relative change above this) the plain steps, which contract
// quickly there, are taken; the acceleration removes the slow linear tail near it.
constexpr double kAccelerateBelow = 0.05;

// Column sums per capacity group, stored at each group's first column (P; other entries 0).
Eigen::VectorXd group_sums(const MarketData& market, const Eigen::VectorXd& x) {
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(x.size());
  for (Eigen::Index j = 0; j < x.size(); ++j) sum(market.group_of(static_cast<int>(j))) += x(j);
  return sum;
}

// Scratch of the iteration's targets (P each), kept across the iterations of a solve.
struct TargetScratch {
  Eigen::VectorXd zeta, dzeta_dmu, next_mu;
  Eigen::VectorXd level, slope;   // grouped: the groups' linearised demand and its slope in mu
  Eigen::VectorXd clearing, step; // ungrouped: clearing-price estimates and the joint steps
  std::vector<char> bound;        // ungrouped: 1 where the ceiling binds at this iteration
  bool any_bound = false;         // ungrouped: some ceiling bound at this iteration
  CapacityStepScratch joint;      // ungrouped: the joint steps' scratch
};

// A target price kept positive and finite: at most the factor kMaxNewtonFactor away from p when
// the step gave none (NaN, 0 or below, infinite).
double positive_price(double best, double p) {
  if (!(best > 0)) return p / kMaxNewtonFactor;
  if (!std::isfinite(best)) return p * kMaxNewtonFactor;
  return best;
}

// Stores product j's targets and folds its relative change (of the price, or of the multiplier
// relative to the price) into the iteration's largest; NaN propagates: never "converged" on NaN.
void record_target(int j, double p, double best, double next_mu, double mu_j, Eigen::VectorXd& target,
                   Eigen::VectorXd& mu_target, double& change) {
  target(j) = best;
  mu_target(j) = next_mu;
  double relative = std::abs(best - p) / std::max(p, 1e-300);
  relative = std::max(relative, std::abs(next_mu - mu_j) / std::max(p, 1e-300));
  if (!(relative <= change)) change = relative;
}

// The iteration's targets where columns share a ceiling (pricing by destination): the columns
// of product j sold to different destinations have one multiplier mu_g, so the Newton step is
// taken on the group's total: with zeta_k(mu) = zeta_k + dzeta_k/dmu (mu' - mu) and
// Q_k(p') ~ Q_k + dQ_k/dp_k (p' - p_k),
//     mu' = mu + (K_g - sum_k [Q_k + dQ_k/dp_k (zeta_k - p_k)]) / sum_k dQ_k/dp_k dzeta_k/dmu,
// binding where mu' > 0 (every column of the group then at zeta_k(mu')), else mu = 0 and each
// column at its unconstrained zeta_k(0). A group of one column is the ungrouped step.
// Returns the largest relative change, as the ungrouped loop does.
double grouped_targets(const MarketData& market, const Eigen::VectorXd& price, const Eigen::VectorXd& mu,
                       const PricingTerms& t, Eigen::VectorXd& target, Eigen::VectorXd& mu_target, TargetScratch& g) {
  const int P = market.n_products();
  g.zeta.resize(P), g.dzeta_dmu.setZero(P), g.level.setZero(P), g.slope.setZero(P), g.next_mu.setZero(P);
  for (int j = 0; j < P; ++j) {
    if (!(t.slope_net(j) > 0)) continue;
    g.zeta(j) = ((market.marginal_cost(j) + mu(j)) * t.slope(j) + t.foc_rest(j)) / t.slope_net(j);
    if (!(t.own_derivative(j) < 0)) continue;
    g.dzeta_dmu(j) = -t.own_derivative(j) / t.slope_net(j);
    const int lead = market.group_of(j);
    g.level(lead) += t.quantity(j) + t.own_derivative(j) * (g.zeta(j) - price(j));
    g.slope(lead) += t.own_derivative(j) * g.dzeta_dmu(j);
  }
  for (int j = 0; j < P; ++j)
    if (market.group_of(j) == j && g.slope(j) < 0) {
      const double wanted = mu(j) + (market.capacity(j) - g.level(j)) / g.slope(j);
      g.next_mu(j) = wanted > 0 && std::isfinite(wanted) ? wanted : 0.0;
    }
  double change = 0;
  for (int j = 0; j < P; ++j) {
    const double p = price(j), next_mu = g.next_mu(market.group_of(j));
    double best = p;  // nobody can buy it: price is irrelevant, keep it
    if (t.slope_net(j) > 0) {
      best = g.zeta(j) + g.dzeta_dmu(j) * (next_mu - mu(j));
      if (next_mu > 0) best = std::clamp(best, p / kMaxNewtonFactor, p * kMaxNewtonFactor);
      best = positive_price(best, p);
    }
    record_target(j, p, best, next_mu, mu(j), target, mu_target, change);
  }
  return change;
}

// The iteration's targets, one ceiling per column. Per product: zeta_j, the price that satisfies
// j's first-order condition given the other prices and the owner's current multipliers (c_j + mu_j
// is the cost the FOC sees); a Newton estimate of the price at which demand equals capacity
// (below p when demand is under capacity); and the multiplier that makes zeta_j equal to it.
// Where that multiplier is positive the ceiling binds (the price clears the capacity, mu prices
// it), else mu = 0 and the price is the unconstrained zeta. The clearing prices of the bound
// products are then re-estimated jointly when the demand model gives its cross derivatives
// (sim/markets/capacity_clearing.hpp), and the binding test repeated with them.
// Returns the largest relative change of a price or multiplier (NaN propagates).
double ungrouped_targets(const MarketData& market, const Eigen::VectorXd& price, const Eigen::VectorXd& mu,
                         const PricingTerms& t, Eigen::VectorXd& target, Eigen::VectorXd& mu_target, TargetScratch& g) {
  const int P = market.n_products();
  g.zeta.resize(P), g.dzeta_dmu.setZero(P), g.clearing.resize(P), g.next_mu.setZero(P);
  g.bound.assign(static_cast<std::size_t>(P), 0);
  Eigen::VectorXd& clearing = g.clearing;
  bool any_bound = false;
  for (int j = 0; j < P; ++j) {
    const double p = price(j);
    if (!(t.slope_net(j) > 0)) continue;  // nobody can buy it (or only at a fee of 1): price is irrelevant
    g.zeta(j) = ((market.marginal_cost(j) + mu(j)) * t.slope(j) + t.foc_rest(j)) / t.slope_net(j);
    if (!(t.own_derivative(j) < 0)) continue;
    clearing(j) = std::clamp(p + (t.quantity(j) - market.capacity(j)) / (-t.own_derivative(j)), p / kMaxNewtonFactor,
                             p * kMaxNewtonFactor);
    g.dzeta_dmu(j) = -t.own_derivative(j) / t.slope_net(j);
    const double wanted = mu(j) + (clearing(j) - g.zeta(j)) / g.dzeta_dmu(j);
    if (wanted > 0) g.bound[static_cast<std::size_t>(j)] = 1, any_bound = true;
  }
  g.any_bound = any_bound;
  if (any_bound) {
    // Steps of the unbound priced products to their unconstrained zeta; the bound ones' solved jointly.
    g.step.setZero(P);
    for (int j = 0; j < P; ++j)
      if (!g.bound[static_cast<std::size_t>(j)] && t.slope_net(j) > 0)
        g.step(j) = g.zeta(j) - mu(j) * g.dzeta_dmu(j) - price(j);
    if (capacity_clearing_step(t, market.capacity, g.bound, g.step, g.joint))
      for (int j = 0; j < P; ++j)
        if (g.bound[static_cast<std::size_t>(j)])
          clearing(j) = std::clamp(price(j) + g.step(j), price(j) / kMaxNewtonFactor, price(j) * kMaxNewtonFactor);
    // The bound products' multipliers, jointly per firm: the step that makes each zeta_j reach its
    // clearing price given the siblings' steps.
    g.next_mu.setZero(P);
    for (int j = 0; j < P; ++j)
      if (g.bound[static_cast<std::size_t>(j)]) g.next_mu(j) = t.slope_net(j) * (clearing(j) - g.zeta(j));
    capacity_multiplier_step(t, market.product_owner, g.bound, g.next_mu, g.joint);
  }
  double change = 0;
  for (int j = 0; j < P; ++j) {
    const double p = price(j);
    double best = p, next_mu = 0;
    if (t.slope_net(j) > 0) {
      best = g.zeta(j);
      if (t.own_derivative(j) < 0) {
        const double wanted = mu(j) + (g.bound[static_cast<std::size_t>(j)] ? g.next_mu(j) : (clearing(j) - best) / g.dzeta_dmu(j));
        if (wanted > 0) {  // the ceiling binds: price clears the capacity, mu prices it
          next_mu = wanted;
          best = clearing(j);
        } else {           // slack: mu = 0 and the price is the unconstrained zeta
          best -= mu(j) * g.dzeta_dmu(j);
        }
      }
      best = positive_price(best, p);
      if (!std::isfinite(next_mu)) next_mu = mu(j);
    }
    // (a product nobody can buy keeps its price, and no ceiling binds: a warm multiplier must go
    // before convergence)
    record_target(j, p, best, next_mu, mu(j), target, mu_target, change);
  }
  return change;
}
}  // namespace

Equilibrium solve_bertrand_nash(const DemandModel& demand, const MarketData& market,
                                const Eigen::VectorXd& warm_start, const PricingOptions& options,
                                const Eigen::VectorXd* warm_shadow_cost) {
  const int P = market.n_products();
  Equilibrium eq;
  eq.price = warm_start;
  const double mean_alpha = market.n_buyers() > 0 ? market.alpha.mean() : 1.0;
  for (int j = 0; j < P; ++j)
    if (!(eq.price(j) > market.marginal_cost(j)) || !std::isfinite(eq.price(j)))
      eq.price(j) = market.marginal_cost(j) + 1.0 / mean_alpha;
  Eigen::VectorXd& mu = eq.shadow_cost;
  mu = Eigen::VectorXd::Zero(P);
  if (warm_shadow_cost && warm_shadow_cost->size() == P)
    for (int j = 0; j < P; ++j)
      if ((*warm_shadow_cost)(j) > 0 && std::isfinite((*warm_shadow_cost)(j))) mu(j) = (*warm_shadow_cost)(j);
  // Multipliers are iterated in units of the starting price (fixed for the solve), so that the
  // acceleration sees them on the scale of the log prices.
  const Eigen::ArrayXd mu_scale = eq.price.array();

  // The demand pass sees the costs c + mu: a copy of the market, made the first time a
  // multiplier is positive (markets where no ceiling binds are never copied).
  MarketData shadow_market;
  bool shadowed = false;
  auto pass_market = [&]() -> const MarketData& {
    if (!shadowed && (mu.array() > 0).any()) {
      shadow_market = market;
      shadowed = true;
    }
    if (shadowed) shadow_market.marginal_cost = market.marginal_cost + mu;
    return shadowed ? shadow_market : market;
  };

  PricingTerms t;
  t.workspace = options.workspace;
  Eigen::VectorXd target(P), mu_target(P);
  const bool grouped = !market.capacity_group.empty();
  TargetScratch scratch;
  AndersonAcceleration acceleration(options.acceleration_memory);
  Eigen::VectorXd x(2 * P), image(2 * P);  // the accelerated state (log p, mu / scale) and its image
  double best_change = std::numeric_limits<double>::infinity();  // kept for a solve that hits the cap
  Eigen::VectorXd best_price = eq.price, best_mu = mu;
  PricingTerms best_terms;
  for (eq.iterations = 1;; ++eq.iterations) {
    t.same_market = eq.iterations > 1;  // within a solve only prices and c + mu change
    // The cross derivatives serve the joint steps of bound products: asked for where a ceiling
    // bound at the last iteration (or, at the first, where a warm multiplier is positive).
    t.want_cross_terms = !grouped && (eq.iterations > 1 ? scratch.any_bound : (mu.array() > 0).any());
    demand.pricing_pass(pass_market(), eq.price, nullptr, t);
    double change = 0;
    if (grouped) change = grouped_targets(market, eq.price, mu, t, target, mu_target, scratch);
    else change = ungrouped_targets(market, eq.price, mu, t, target, mu_target, scratch);
    eq.residual = change;
    if (change < options.tolerance) {
      eq.converged = true;
      break;
    }
    if (change < best_change) {  // the best point so far (a NaN change never is)
      best_change = change;
      best_price = eq.price;
      best_mu = mu;
      best_terms = t;
    }
    if (eq.iterations >= options.max_iterations) {
      // Not converged: answer with the best point evaluated, not necessarily the last.
      if (best_terms.quantity.size() == P && !(change <= best_change)) {
        eq.price = best_price;
        mu = best_mu;
        eq.residual = best_change;
        t = best_terms;
      }
      break;
    }
    // The prices evaluated last stay the answer (t holds their terms); otherwise step on.
    if (eq.iterations > kDampAfter) {
      eq.price = 0.5 * (eq.price + target);
      mu = 0.5 * (mu + mu_target);
      continue;
    }
    // Near the equilibrium the acceleration runs; far from it the plain steps, which contract
    // quickly there, are taken. An accelerated step is not rejected when the largest change
    // grows: where many ceilings bind, a step that fixes the slow common level of the bound
    // prices (the plain steps move it at the rate of the buyers' outside share) briefly throws a
    // few products across their ceilings, and rejecting it made the solver cycle (plain, plain,
    // rejected, restart: 46 passes per period instead of 14 on the bench's capacity-bound world).
    if (change > kAccelerateBelow) acceleration.restart();
    // The state is (log p, mu / scale). The acceleration moves a price at most by the factor
    // kMaxNewtonFactor beyond the plain step; multipliers stay >= 0.
    x.head(P) = eq.price.array().log().matrix();
    x.tail(P) = (mu.array() / mu_scale).matrix();
    image.head(P) = target.array().log().matrix();
    image.tail(P) = (mu_target.array() / mu_scale).matrix();
    const Eigen::VectorXd& step = acceleration.next(x, image);
    const auto plain = image.head(P).array();
    eq.price = (plain + (step.head(P).array() - plain).cwiseMax(-kMaxLogCorrection).cwiseMin(kMaxLogCorrection)).exp().matrix();
    mu = (step.tail(P).array() * mu_scale).cwiseMax(0.0).matrix();
    if (grouped)  // one multiplier per shared ceiling (the step keeps them equal up to rounding)
      for (int j = 0; j < P; ++j) mu(j) = mu(market.group_of(j));
  }

  // Allocation at the equilibrium: ration any excess demand left within the tolerance.
  eq.rationing = Eigen::VectorXd::Ones(P);
  const Eigen::VectorXd demanded = grouped ? group_sums(market, t.quantity) : t.quantity;
  for (int j = 0; j < P; ++j) {
    const double q = demanded(market.group_of(j));
    if (q > market.capacity(j) && q > 0) eq.rationing(j) = std::max(0.0, market.capacity(j)) / q;
  }
  eq.terms.workspace = t.workspace;
  eq.terms.same_market = eq.iterations > 0;
  eq.terms.want_cross_terms = false;
  demand.pricing_pass(pass_market(), eq.price, &eq.rationing, eq.terms);
  options.workspace = eq.terms.workspace;
  return eq;
}

Equilibrium solve_bertrand_nash_with_exit(const DemandModel& demand, MarketData& market,
                                          const Eigen::VectorXd& warm_start, const PricingOptions& options,
                                          const Eigen::VectorXd* warm_shadow_cost) {
  Equilibrium eq = solve_bertrand_nash(demand, market, warm_start, options, warm_shadow_cost);
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
    const Eigen::VectorXd mu = eq.shadow_cost;
    eq = solve_bertrand_nash(demand, market, eq.price, options, &mu);
    eq.iterations += so_far;  // report every fixed-point pass
  }
}

}  // namespace chipsim

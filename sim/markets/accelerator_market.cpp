#include "sim/markets/accelerator_market.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/core/ecosystem.hpp"
#include "sim/core/rng.hpp"
#include "sim/core/self_sufficiency.hpp"
#include "sim/demand/consumer_welfare.hpp"
#include "sim/markets/bertrand_nash.hpp"

namespace chipsim {

namespace {
// The index of the least of a product's output ceilings: 1 line capacity, 2 dies, 3 packaging
// slots, 4 HBM (ties within rounding, the input markets trading in 1/1000 units: the first in
// that order, so that a die stock made to a plan at line capacity is the line, not the dies).
double least_ceiling(double line, double dies, double slots, double hbm) {
  const double least = std::min({line, dies, slots, hbm}) * (1.0 + 1e-9) + 1e-3;
  return line <= least ? 1 : dies <= least ? 2 : slots <= least ? 3 : 4;
}

// Procurement mandates: the shadow tax on foreign purchases is found by regula falsi (Illinois
// variant) to this precision of the domestic share, in at most this many equilibrium solves.
constexpr double kMandateShareTolerance = 1e-8;
constexpr int kMandateSolves = 60;
// Pricing tolerance of the trial solves of that search (the answer is solved to the run's).
constexpr double kMandateSearchTolerance = 1e-6;
// Licence quotas: the rationing wedge is found to this relative precision of the quota, in at
// most this many equilibrium solves.
constexpr double kQuotaTolerance = 1e-6;
// ... and in the trial rounds, solved to kMandateSearchTolerance, to this one.
constexpr double kTrialQuotaTolerance = 1e-4;
// Smuggling bounds and buy-side caps are estimates (shares of a counterfactual flow): held to 0.1 %.
constexpr double kSmugglingTolerance = 1e-3;
constexpr int kQuotaSolves = 40;
// A price above this (USD per unit) means the fixed point has run away, not a market price.
constexpr double kDivergedPrice = 1e12;

// Smuggling as a quantity: the bound on each smuggled flow (product j to country c, denied by
// issuer g but not enforced): (1 - enforcement_g) x the flow the ban removed, i.e. what buyers in
// c would buy of j at `price` (last period's) if the flow were legal (tariff only, no markup),
// less a random seizure share drawn uniformly in [0, 2 x smuggling_seizure_rate_g] (counter-
// based: product x destination, period); at most smuggling_capacity_units_g if that is set.
//
// Buy-side guidance of the importer c (buy_side_share phi > 0) caps a flow likewise at (1 - phi)
// x the same legal demand (the complying buyers do not buy it).
void set_smuggling_bounds(const Model& model, State& state, const MarketData& market, const Eigen::VectorXd& price) {
  const int C = model.n_countries();
  // A flow (column k to country c) is capped here if it is smuggled or a guided flow on offer.
  auto capped = [&](int j, int k, int c) {
    return market.serves(k, c) && (state.smuggling_issuer(j, c) >= 0 || (state.buy_side_share(j, c) > 0 && market.available(k, c) > 0));
  };
  bool any = false;
  MarketData legal = market;
  for (int k = 0; k < market.n_products(); ++k)
    for (int c = 0; c < C; ++c) {
      const int j = market.world_index[static_cast<std::size_t>(k)];
      if (!capped(j, k, c)) continue;
      any = true;
      if (state.smuggling_issuer(j, c) < 0) continue;  // a legal flow: as it is
      legal.available(k, c) = 1;
      legal.tariff_rate(k, c) = state.tariff_rate(j, c) + state.customs_friction(j, c);
      if (legal.utility_shift.size()) legal.utility_shift(k, c) = 0;
    }
  if (!any) return;
  const Eigen::ArrayXXd q = model.demand->quantities(legal, price);  // buyers x columns
  for (int k = 0; k < market.n_products(); ++k)
    for (int c = 0; c < C; ++c) {
      const int j = market.world_index[static_cast<std::size_t>(k)], g = state.smuggling_issuer(j, c);
      if (!capped(j, k, c)) continue;
      const double phi = state.buy_side_share(j, c);
      double removed = 0;
      for (int i = 0; i < market.n_buyers(); ++i)
        if (market.buyer_country[static_cast<std::size_t>(i)] == c) removed += q(i, k);
      if (phi > 0) state.buy_side_cap(j, c) = std::max(0.0, 1.0 - phi) * removed;
      if (g < 0) continue;
      const Government* gov = model.government_of(g);
      const double seizure_rate = gov ? gov->smuggling_seizure_rate : 0.0;
      const std::uint64_t agent = static_cast<std::uint64_t>(j) * static_cast<std::uint64_t>(C) + static_cast<std::uint64_t>(c);
      const double seized = std::min(1.0, 2.0 * seizure_rate *
                                              uniform01(state.random, agent, static_cast<std::uint64_t>(state.period),
                                                        RandomPurpose::enforcement_leak));
      double bound = (1.0 - state.enforcement(g)) * removed * (1.0 - seized);
      if (gov && gov->smuggling_capacity_units > 0) bound = std::min(bound, gov->smuggling_capacity_units);
      state.smuggling_bound(j, c) = bound;
    }
}

// The rationing wedges that hold the smuggled flows (market index k, country c) at their bounds,
// at fixed prices: per flow, tau >= 0 with q(tau) = bound where the bound binds, by secant steps
// on ln q (first slope -1, the logit's for a small share), each step one demand pass. Smuggled
// flows are small next to the market, so the equilibrium solved once at these wedges is close to
// rationed: the quota rounds that follow then need few solves.
void settle_smuggling_wedges(const Model& model, State& state, const std::vector<std::pair<int, int>>& smuggled,
                             const Eigen::VectorXd& price) {
  std::vector<double> last_tau(smuggled.size(), 0.0), last_log(smuggled.size(), 0.0);
  std::vector<char> stepped(smuggled.size(), 0), done(smuggled.size(), 0);
  for (int pass = 0; pass < kQuotaSolves; ++pass) {
    const MarketData market = accelerator_market_data(model, state);
    const Eigen::ArrayXXd q = model.demand->quantities(market, price);
    bool open = false;
    for (std::size_t n = 0; n < smuggled.size(); ++n) {
      if (done[n]) continue;
      const auto [k, c] = smuggled[n];
      const int j = market.world_index[static_cast<std::size_t>(k)];
      const double cap = std::min(state.smuggling_bound(j, c), state.buy_side_cap(j, c));
      double& tau = state.quota_rationing(j, c);
      double units = 0;
      for (int i = 0; i < market.n_buyers(); ++i)
        if (market.buyer_country[static_cast<std::size_t>(i)] == c) units += q(i, k);
      if (!(cap > 0) || (units <= cap * (1.0 + kSmugglingTolerance) && (tau == 0 || units >= cap * (1.0 - kSmugglingTolerance)))) {
        done[n] = 1;
        continue;
      }
      const double log_gap = std::log(std::max(units, 1e-300) / cap);
      double slope = -1.0;
      if (stepped[n] && tau != last_tau[n]) {
        const double s = (std::log(std::max(units, 1e-300)) - last_log[n]) / (tau - last_tau[n]);
        if (s < -1e-3) slope = std::max(s, -100.0);
      }
      last_tau[n] = tau, last_log[n] = std::log(std::max(units, 1e-300)), stepped[n] = 1;
      tau = std::max(0.0, tau - log_gap / slope);
      open = true;
    }
    if (!open) break;
  }
}

// Domestic-made share of country c's purchases in an equilibrium, by the mandating
// government's measure (the weights of sim/core/self_sufficiency.hpp, at the equilibrium prices).
double domestic_share(const MarketData& m, const Equilibrium& eq, int c, SelfSufficiencyMeasure measure) {
  double all = 0, home = 0;
  for (int k = 0; k < m.n_products(); ++k) {
    const double w = self_sufficiency_weight(ProductKind::accelerator, m.performance(k), eq.price(k), measure);
    all += w * eq.terms.units_to(k, c);
    if (m.product_origin[k] == c) home += w * eq.terms.units_to(k, c);
  }
  return all > 0 ? home / all : 1.0;
}

// Is any domestic product on offer to country c? Without one a floor has nothing to count.
bool domestic_on_offer(const MarketData& m, int c) {
  for (int k = 0; k < m.n_products(); ++k)
    if (m.product_origin[k] == c && m.available(k, c) > 0 && m.capacity(k) > 0) return true;
  return false;
}

// The measure of country c's mandate: its government's (compute when it has none).
SelfSufficiencyMeasure mandate_measure(const Model& model, int c) {
  for (const Government& g : model.governments)
    if (g.country == c) return static_cast<SelfSufficiencyMeasure>(g.self_sufficiency_measure);
  return SelfSufficiencyMeasure::compute;
}
}  // namespace

MarketData accelerator_market_data(const Model& model, const State& state) {
  const auto& products = model.products_of(ProductKind::accelerator);
  const int A = model.n_ai_firms(), P = static_cast<int>(products.size());
  MarketData m;
  m.market_size.resize(A);
  m.alpha.resize(A);
  m.home_bias.resize(A);
  m.buyer_country.resize(A);
  for (int i = 0; i < A; ++i) {
    const AiFirm& a = model.ai_firms[i];
    // The period's budget (x demand shocks) plus what was deferred from earlier periods (demand
    // that waits; already net of the shocks of the period it was left unspent in).
    m.market_size(i) = (state.budget_usd(i) * state.budget_factor(i) + state.deferred_budget_usd(i)) /
                       model.parameters.reference_unit_price_usd;
    m.alpha(i) = a.price_sensitivity_per_usd;
    m.home_bias(i) = a.home_bias;
    m.buyer_country[i] = a.country;
  }
  // Product life cycle: the world frontier is the highest generation of any accelerator launched.
  int frontier = -1;
  for (int j : products)
    if (state.launched[static_cast<std::size_t>(j)]) frontier = std::max(frontier, model.products[j].generation);
  const Eigen::VectorXd ecosystem = ecosystem_appeals(model, state);  // by firm (sim/core/ecosystem.hpp)
  m.mean_utility.resize(P);
  m.marginal_cost.resize(P);
  m.capacity.resize(P);
  m.performance.resize(P);
  m.units_per_choice.resize(P);
  m.product_origin.resize(P);
  m.product_owner.resize(P);
  m.world_index = products;
  m.available.resize(P, model.n_countries());
  m.tariff_rate.resize(P, model.n_countries());
  m.licence_fee.resize(P, model.n_countries());
  m.utility_shift.resize(P, model.n_countries());
  for (int k = 0; k < P; ++k) {
    const int j = products[k];
    const Product& p = model.products[j];
    const double performance = state.performance_h100e(j);  // drawn at arrival for a ladder's rungs
    m.mean_utility(k) = model.parameters.utility_per_log_performance * std::log(performance) + p.appeal -
                        model.parameters.appeal_decay_per_generation * std::max(0, frontier - p.generation) + ecosystem(p.owner);
    // Marginal cost of a unit: its own cost (after learning) plus its HBM at the latest price paid.
    m.marginal_cost(k) = state.unit_cost_usd(j) + p.hbm_stacks * state.hbm_unit_cost_usd(j);
    m.capacity(k) = state.effective_capacity(j);
    m.performance(k) = performance;
    m.units_per_choice(k) = std::pow(performance, -model.parameters.compute_denominated_demand);
    m.product_origin[k] = p.origin;
    m.product_owner[k] = p.owner;
    m.available.row(k) = state.available.row(j);
    // The buyer's wedge: tariff to its government plus any grey-market markup to intermediaries.
    m.tariff_rate.row(k) = state.tariff_rate.row(j) + state.grey_markup.row(j) + state.customs_friction.row(j);
    m.licence_fee.row(k) = state.licence_fee.row(j);
    m.utility_shift.row(k) = state.leak_shift.row(j);
    // Procurement mandates: a shadow tax (utils) on the country's purchases of foreign products.
    for (int c = 0; c < model.n_countries(); ++c)
      if (state.mandate_shadow_tax(c) > 0 && p.origin != c) m.utility_shift(k, c) -= state.mandate_shadow_tax(c);
    // Licence quotas and smuggling bounds: the rationing wedge of a binding cap; a zero cap
    // closes the flow.
    m.utility_shift.row(k) -= state.quota_rationing.row(j);
    for (int c = 0; c < model.n_countries(); ++c)
      if (!(std::min({state.quota_units(j, c), state.smuggling_bound(j, c), state.buy_side_cap(j, c)}) > 0)) m.available(k, c) = 0;
  }
  m.n_owners = model.n_firms();
  m.n_countries = model.n_countries();
  if (model.parameters.pricing == Pricing::by_destination) {
    // One column per (product, destination) open to trade this period (state.available, before
    // the caps above close a flow), so that the columns stay the same through the period's solves.
    // A smuggled flow booked in a third country (smuggling_booked_in) is bought from the maker
    // there, at that country's price.
    const int C = model.n_countries();
    Eigen::ArrayXXd open(P, C);
    Eigen::ArrayXXi route = Eigen::ArrayXXi::Constant(P, C, -1);
    for (int k = 0; k < P; ++k) {
      const int j = products[static_cast<std::size_t>(k)];
      open.row(k) = state.available.row(j);
      for (int c = 0; c < C; ++c)
        if (const int g = state.smuggling_issuer(j, c); g >= 0)
          if (const Government* gov = model.government_of(g)) route(k, c) = gov->smuggling_booked_in;
    }
    return split_by_destination(m, &open, &route);
  }
  return m;
}

void clear_accelerator_market(const Model& model, State& state) {
  const auto& products = model.products_of(ProductKind::accelerator);
  const int C = model.n_countries();
  // Output = min(line capacity, good dies / dies per unit, packaging slots, HBM stacks / k): the
  // HBM at hand is stock + bought this period, the dies the stock incl. this period's (+inf where
  // the tier is not modelled). binding_input names the least; it is kept where the ceiling binds.
  constexpr double kNone = std::numeric_limits<double>::infinity();
  for (int j : products) {
    const Product& p = model.products[j];
    const double line = state.capacity_units(j) * state.capacity_factor(j);
    const double dies = p.process_node >= 0 ? std::max(0.0, state.die_stock(j)) / p.dies_per_unit : kNone;
    const double slots = p.packaging_line >= 0 ? state.packaging_slots(j) : kNone;
    const double hbm = p.hbm_stacks > 0 ? std::max(0.0, state.hbm_stock(j) + state.hbm_bought(j)) / p.hbm_stacks : kNone;  // stock may be -1e-12 after rounding
    state.effective_capacity(j) = std::min({line, dies, slots, hbm});
    state.binding_input(j) = least_ceiling(line, dies, slots, hbm);
  }
  PricingOptions options;
  options.tolerance = model.parameters.pricing_tolerance;
  options.max_iterations = model.parameters.pricing_max_iterations;
  options.acceleration_memory = model.parameters.pricing_acceleration_memory;
  const Eigen::VectorXd previous_tax = state.mandate_shadow_tax;  // last period's, to start the search
  state.mandate_shadow_tax.setZero(C);
  // Quota wedges start from last period's where the quota still applies (it moves little from
  // month to month), so the first equilibrium already rations.
  for (int j : products)
    for (int c = 0; c < C; ++c)
      if (!(std::isfinite(state.quota_units(j, c)) && state.quota_units(j, c) > 0)) state.quota_rationing(j, c) = 0;
  state.mandate_shortfall.setZero(C);
  MarketData market = accelerator_market_data(model, state);
  // Warm start: last period's prices (by destination when priced so) and multipliers.
  const int K = market.n_products();  // columns: products, or (product, destination) pairs
  auto world_of = [&](int k) { return market.world_index[static_cast<std::size_t>(k)]; };
  Eigen::VectorXd warm(K), warm_mu(K);
  for (int k = 0; k < K; ++k) {
    const int j = world_of(k);
    double start = state.price_usd(j);
    if (!market.destination.empty() && std::isfinite(state.price_to_usd(j, market.destination[static_cast<std::size_t>(k)])))
      start = state.price_to_usd(j, market.destination[static_cast<std::size_t>(k)]);
    // A ceiling that bound in both of the last two periods: its clearing price moves with the
    // budgets, so the warm start follows last period's trend (at most 5 %). Only the solver's
    // path changes, not the equilibrium (capacity-bound bench world: 14 -> 11 passes a period).
    if (state.capacity_shadow_cost(j) > 0 && state.previous_shadow_cost(j) > 0) {
      const double trend = state.price_usd(j) / state.previous_price_usd(j);
      if (std::isfinite(trend)) start *= std::clamp(trend, 0.95, 1.05);
    }
    warm(k) = start;
    warm_mu(k) = state.capacity_shadow_cost(j);
  }
  // Smuggled flows: their bounds from the demand at last period's prices (a smuggling network's
  // capacity follows the demand it sees), and the wedges that hold them there, settled at those
  // prices, so that the first equilibrium already rations them (the quota rounds below finish).
  std::vector<std::pair<int, int>> smuggled;  // (market column k, country c)
  for (int k = 0; k < K; ++k)
    for (int c = 0; c < C; ++c)
      if (market.serves(k, c) && (state.smuggling_issuer(world_of(k), c) >= 0 || state.buy_side_share(world_of(k), c) > 0))
        smuggled.emplace_back(k, c);
  if (!smuggled.empty()) {
    Eigen::VectorXd at = warm;
    for (Eigen::Index k = 0; k < at.size(); ++k)
      if (!(std::isfinite(at(k)) && at(k) > 0)) at(k) = 2.0 * market.marginal_cost(k);  // not priced last period
    set_smuggling_bounds(model, state, market, at);
    settle_smuggling_wedges(model, state, smuggled, at);
    market = accelerator_market_data(model, state);
  }
  Equilibrium eq = solve_bertrand_nash_with_exit(*model.demand, market, warm, options, &warm_mu);
  int iterations = eq.iterations;

  // Procurement mandates as constraints: for each country whose AI firms' domestic share (by its
  // government's measure) is below its floor, a shadow tax t_c >= 0 (utils) on their purchases of
  // foreign products rises until the floor holds: share(t_c) - floor = 0, by regula falsi on
  // [0, mandate_max_shadow_tax_utils] jointly over the mandated countries, finishing on the side
  // where the floor holds. Foreign purchases fall as t_c rises, so the floor holds even when
  // domestic supply is exhausted: covered buyers then buy less foreign compute.
  std::vector<int> mandated;
  for (int c = 0; c < C; ++c) {
    if (!(state.procurement_mandate(c) > 0) || !domestic_on_offer(market, c)) continue;
    if (domestic_share(market, eq, c, mandate_measure(model, c)) < state.procurement_mandate(c)) mandated.push_back(c);
  }
  if (!mandated.empty()) {
    const double top = model.parameters.mandate_max_shadow_tax_utils;
    Eigen::VectorXd lo = Eigen::VectorXd::Zero(C), hi = Eigen::VectorXd::Constant(C, top);
    // Each mandated country's measure, and its share minus its floor in the current equilibrium.
    std::vector<SelfSufficiencyMeasure> measure(static_cast<std::size_t>(C), SelfSufficiencyMeasure::compute);
    for (int c : mandated) measure[static_cast<std::size_t>(c)] = mandate_measure(model, c);
    auto gap_of = [&](int c) {
      return domestic_share(market, eq, c, measure[static_cast<std::size_t>(c)]) - state.procurement_mandate(c);
    };
    Eigen::VectorXd f_lo(C), f_hi(C);  // share - floor at the ends of each bracket
    for (int c : mandated) f_lo(c) = gap_of(c);
    // The search solves each trial tax to a looser pricing tolerance; the tax found is then
    // solved to the run's tolerance (below), where the floor is checked again.
    PricingOptions search = options;
    search.tolerance = std::max(options.tolerance, kMandateSearchTolerance);
    auto solve_at = [&](const Eigen::VectorXd& tax, const PricingOptions& how) {
      for (int c : mandated) state.mandate_shadow_tax(c) = tax(c);
      market = accelerator_market_data(model, state);
      const Eigen::VectorXd mu = eq.shadow_cost;
      eq = solve_bertrand_nash_with_exit(*model.demand, market, eq.price, how, &mu);
      iterations += eq.iterations;
    };
    // The answer starts from the last tax at which every reachable floor held.
    std::vector<char> reachable(static_cast<std::size_t>(C), 0), bracketed(static_cast<std::size_t>(C), 0);
    auto all_hold = [&]() {
      for (int c : mandated) {
        const auto k = static_cast<std::size_t>(c);
        if (!(bracketed[k] && !reachable[k]) && gap_of(c) < 0) return false;  // a floor not known out of reach missed
      }
      return true;
    };
    Eigen::VectorXd kept_tax;
    bool kept = false;
    auto keep_if_feasible = [&]() {
      if (!all_hold()) return;
      kept_tax = state.mandate_shadow_tax, kept = true;
    };
    // Bracket each root: start from last period's tax (a floor moves little from month to
    // month), doubling up to the cap while the floor is missed; the cap missed = out of reach.
    Eigen::VectorXd guess(C);
    for (int c : mandated) guess(c) = previous_tax(c) > 0 ? std::clamp(previous_tax(c), 1e-6 * top, top) : top;
    int solves = 0;
    for (; solves < kMandateSolves; ++solves) {
      Eigen::VectorXd tax = hi;
      bool pending = false;
      for (int c : mandated)
        if (!bracketed[static_cast<std::size_t>(c)]) tax(c) = guess(c), pending = true;
      if (!pending) break;
      solve_at(tax, search);
      keep_if_feasible();
      for (int c : mandated) {
        const auto k = static_cast<std::size_t>(c);
        if (bracketed[k]) continue;
        const double f = gap_of(c);
        if (f >= 0) {
          hi(c) = guess(c), f_hi(c) = f, bracketed[k] = 1, reachable[k] = 1;
        } else if (guess(c) >= top) {
          hi(c) = top, f_hi(c) = f, bracketed[k] = 1;  // out of reach: stays at the cap
        } else {
          lo(c) = guess(c), f_lo(c) = f;
          guess(c) = std::min(top, 2.0 * guess(c));
        }
      }
    }
    std::vector<int> open;  // countries whose floor is reachable within the cap and not yet met to tolerance
    for (int c : mandated)
      if (reachable[static_cast<std::size_t>(c)] && f_hi(c) > kMandateShareTolerance) open.push_back(c);
    // Illinois: after two moves of the same end, halve the other end's value (keeps it superlinear).
    std::vector<int> side_lo(static_cast<std::size_t>(C), 0), side_hi(static_cast<std::size_t>(C), 0);
    for (; solves < kMandateSolves && !open.empty(); ++solves) {
      Eigen::VectorXd tax = hi;
      for (int c : open) {
        const double denom = f_hi(c) - f_lo(c);
        double t = denom > 0 ? hi(c) - f_hi(c) * (hi(c) - lo(c)) / denom : 0.5 * (lo(c) + hi(c));
        if (!(t > lo(c) && t < hi(c))) t = 0.5 * (lo(c) + hi(c));
        tax(c) = t;
      }
      solve_at(tax, search);
      keep_if_feasible();
      std::vector<int> still;
      for (int c : open) {
        const double f = gap_of(c);
        const auto k = static_cast<std::size_t>(c);
        if (f >= 0) {
          hi(c) = tax(c), f_hi(c) = f;
          if (++side_hi[k] >= 2) f_lo(c) *= 0.5;
          side_lo[k] = 0;
        } else {
          lo(c) = tax(c), f_lo(c) = f;
          if (++side_lo[k] >= 2) f_hi(c) *= 0.5;
          side_hi[k] = 0;
        }
        if (!(f >= 0 && f <= kMandateShareTolerance) && hi(c) - lo(c) > 1e-12 * std::max(1.0, top)) still.push_back(c);
      }
      open = std::move(still);
    }
    // Finish on the side where every reachable floor holds (a floor out of reach keeps the cap):
    // the kept tax solved to the run's tolerance; should a floor now fall short (by about the
    // search tolerance), its tax rises along the bracket's secant until it holds.
    Eigen::VectorXd final_tax = kept ? kept_tax : hi;
    solve_at(final_tax, options);
    for (int round = 0; round < kMandateSolves; ++round) {
      bool short_of = false;
      for (int c : mandated) {
        if (!reachable[static_cast<std::size_t>(c)] || final_tax(c) >= top) continue;  // at the cap: nothing to raise
        const double f = gap_of(c);
        if (f >= 0) continue;
        short_of = true;
        const double slope = (f_hi(c) - f_lo(c)) / std::max(hi(c) - lo(c), 1e-300);
        const double step = slope > 0 ? 2.0 * (-f) / slope : 1e-9 * std::max(1.0, final_tax(c));
        final_tax(c) = std::min(top, final_tax(c) + std::max(step, 1e-12 * std::max(1.0, top)));
      }
      if (!short_of) break;
      solve_at(final_tax, options);
    }
    // Every reachable floor below the cap holds now (the loop ends when none is short). A floor
    // out of reach, or whose tax reached the cap, may be missed: recorded, not hidden.
    for (int c : mandated) state.mandate_shortfall(c) = std::max(0.0, -gap_of(c));
  }

  // Licence quotas as virtual prices (Neary & Roberts 1980): where a licensed flow (product j to
  // country c) would exceed its quota, buyers in c face a rationing wedge tau_jc >= 0 (utils) on
  // j at which they demand exactly the quota; the rationed buyers turn to other products or defer.
  // Complementarity: tau >= 0, units <= quota, tau (quota - units) = 0, solved per flow by secant
  // steps on ln units (first step: slope -1, the logit bound), from last period's wedge, with the
  // mandates' shadow taxes held at their values found above.
  //
  // Smuggled flows are capped the same way, at their bounds (set_smuggling_bounds, before the
  // first solve); their markup was set from last period's volume (sim/policy/policy.cpp).
  {
    auto cap_of = [&](int j, int c) {
      return std::min({state.quota_units(j, c), state.smuggling_bound(j, c), state.buy_side_cap(j, c)});
    };
    // (market index k, country c) with a finite positive cap; a zero cap closed the flow already
    // (accelerator_market_data), before the first solve.
    std::vector<std::pair<int, int>> flows;
    for (int k = 0; k < K; ++k)
      for (int c = 0; c < C; ++c)
        if (market.serves(k, c) && std::isfinite(cap_of(world_of(k), c)) && cap_of(world_of(k), c) > 0) flows.emplace_back(k, c);
    // Trial solves to the mandate search's looser pricing tolerance; once the wedges hold there,
    // a solve to the run's tolerance, and rounds at that tolerance until they hold again.
    PricingOptions trial = options;
    trial.tolerance = std::max(options.tolerance, kMandateSearchTolerance);
    bool tight = trial.tolerance <= options.tolerance;
    auto resolve = [&]() {
      market = accelerator_market_data(model, state);
      const Eigen::VectorXd mu = eq.shadow_cost;
      eq = solve_bertrand_nash_with_exit(*model.demand, market, eq.price, tight ? options : trial, &mu);
      iterations += eq.iterations;
    };
    std::vector<double> last_tau(flows.size(), 0.0), last_log(flows.size(), 0.0);
    std::vector<char> stepped(flows.size(), 0);
    // A bracket per flow: below `low` the flow is over its quota, above `high` the wedge is slack.
    std::vector<double> low(flows.size(), 0.0), high(flows.size(), std::numeric_limits<double>::infinity());
    bool trial_moved = false;
    for (int round = 0; round < kQuotaSolves && !flows.empty(); ++round) {
      bool moved = false;
      for (std::size_t n = 0; n < flows.size(); ++n) {
        const auto [k, c] = flows[n];
        const int j = world_of(k);
        const double cap = cap_of(j, c), units = eq.terms.units_to(k, c);
        double& tau = state.quota_rationing(j, c);
        // A licence quota is held to kQuotaTolerance; a flow bounded only by smuggling to
        // kSmugglingTolerance.
        // kSmugglingTolerance. In the trial rounds a quota is held only to the trial solves'
        // precision (kTrialQuotaTolerance): closer, the rounds chase the solves' own noise.
        const double quota_tol = tight ? kQuotaTolerance : kTrialQuotaTolerance;
        const double tol = state.quota_units(j, c) <= std::min(state.smuggling_bound(j, c), state.buy_side_cap(j, c))
                               ? quota_tol
                               : kSmugglingTolerance;
        const bool over = units > cap * (1.0 + tol);
        const bool slack_wedge = tau > 0 && units < cap * (1.0 - tol);
        if (!over && !slack_wedge) continue;
        const double log_gap = std::log(std::max(units, 1e-300) / cap);
        if (over) low[n] = std::max(low[n], tau);
        else high[n] = std::min(high[n], tau);
        // d ln(units) / d tau: the secant of this period's steps, else the flow's last one
        // (the response moves little from month to month), else -1 (the plain logit's bound;
        // a nested logit responds up to 1/lambda times more steeply: secants may be steeper).
        double& remembered = state.quota_slope(j, c);
        double slope = remembered < -1e-3 ? remembered : -1.0;
        if (stepped[n] && tau != last_tau[n]) {
          const double s = (std::log(std::max(units, 1e-300)) - last_log[n]) / (tau - last_tau[n]);
          if (s < -1e-3) slope = remembered = std::max(s, -100.0);
        }
        last_tau[n] = tau, last_log[n] = std::log(std::max(units, 1e-300)), stepped[n] = 1;
        double next = std::max(0.0, tau - log_gap / slope);
        // Stay inside the bracket: a step that leaves it bisects instead (or doubles up from a
        // lower end with no upper end yet). The other flows' wedges and the prices move between
        // rounds, so an end can go stale: a bracket narrower than a tenth of the secant step
        // that leaves it is dropped on that side (else the wedge stays pinned inside it while
        // the flow stays off its cap, round after round).
        if (!(next > low[n] && next < high[n]) && high[n] - low[n] < 0.1 * std::abs(next - tau)) {
          if (next >= high[n]) high[n] = std::numeric_limits<double>::infinity();
          else low[n] = 0.0;
        }
        // A slack flow whose step reaches 0 drops its wedge (tau = 0 with units below the cap is
        // the complementarity solution; bisecting towards 0 would only halve it round by round).
        if (!over && next <= 0.0) next = 0.0;
        else if (!(next > low[n] && next < high[n]))
          next = std::isfinite(high[n]) ? 0.5 * (low[n] + high[n]) : std::max(2.0 * low[n], low[n] + 1.0);
        tau = next;
        moved = true;
      }
      if (!moved) {
        if (tight) break;
        // The wedges hold at the trial tolerance: solve to the run's and check them again at
        // the quota's (no solve needed when no trial moved them: the first equilibrium was
        // solved to the run's tolerance).
        tight = true;
        if (trial_moved) resolve();
        continue;
      }
      trial_moved = trial_moved || !tight;
      resolve();
    }
    // Out of solves while still moving: the equilibrium is at least solved to the run's tolerance.
    if (!tight && trial_moved) {
      tight = true;
      resolve();
    }
    // The wedges moved prices after the mandates' taxes were found: the floors are checked again.
    for (int c = 0; c < C; ++c)
      if (state.procurement_mandate(c) > 0 && domestic_on_offer(market, c))
        state.mandate_shortfall(c) =
            std::max(0.0, state.procurement_mandate(c) - domestic_share(market, eq, c, mandate_measure(model, c)));
  }

  if (eq.price.size() > 0 && (!eq.price.allFinite() || eq.price.maxCoeff() > kDivergedPrice))
    throw InvariantError(
        state.period, model.calendar.label(state.period),
        "accelerator prices diverged (largest " + std::to_string(eq.price.maxCoeff()) + " USD): demand model \"" +
            model.demand_model + "\" has no finite Bertrand-Nash equilibrium with these parameters and capacities (scenario " +
            model.scenario_file + "); driven by " +
            (model.demand_model == "ces"
                 ? std::string("[demand] elasticities (each firm needs own + (n - 1) x cross elasticity < -1; capacity "
                               "limits need a demand that falls to zero at high prices)")
                 : std::string("the AI firms' budget_usd_per_month and budget_growth_per_month against "
                               "price_sensitivity_per_kusd (budgets far beyond what the products' capacity can absorb "
                               "drive prices without bound), and capacity_units_per_month")));
  // Results by product: a product priced by destination gathers them from its columns.
  const int W = model.n_products();
  Eigen::VectorXd extra_demand = Eigen::VectorXd::Zero(W), column_price_sum = Eigen::VectorXd::Zero(W);
  std::vector<int> columns_of(static_cast<std::size_t>(W), 0);
  for (int j : products) {
    state.previous_price_usd(j) = state.price_usd(j);
    state.previous_shadow_cost(j) = state.capacity_shadow_cost(j);
    state.capacity_shadow_cost(j) = 0;
    state.units_to.row(j).setZero();
    state.offered[static_cast<std::size_t>(j)] = 0;
  }
  for (int k = 0; k < K; ++k) {
    const int j = world_of(k);
    if (market.destination.empty()) {
      state.price_usd(j) = eq.price(k);
      state.price_to_usd.row(j).setConstant(eq.price(k));
      state.units_to.row(j) = eq.terms.units_to.row(k);
      state.available.row(j) = market.available.row(k);  // minus pairs withdrawn as loss-making
    } else {
      for (int c = 0; c < C; ++c)
        if (market.serves(k, c)) {
          state.price_to_usd(j, c) = eq.price(k);
          state.units_to(j, c) = eq.terms.units_to(k, c);
          state.available(j, c) = market.available(k, c);
        }
      column_price_sum(j) += eq.price(k);
    }
    ++columns_of[static_cast<std::size_t>(j)];
    state.capacity_shadow_cost(j) = eq.shadow_cost(k);  // one multiplier per product (its columns share it)
    // Demand the maker would have met without its ceiling: the price would fall by about
    // mu dzeta/dmu = mu |dQ/dp| / slope_net, and demand rise by |dQ/dp| times that (summed
    // over the product's destinations when priced by destination).
    const double own = -eq.terms.own_derivative(k);
    if (eq.shadow_cost(k) > 0 && own > 0 && eq.terms.slope_net(k) > 0)
      extra_demand(j) += own * eq.shadow_cost(k) * own / eq.terms.slope_net(k);
    if (market.available.row(k).sum() > 0 && market.capacity(k) > 0) state.offered[static_cast<std::size_t>(j)] = 1;
  }
  for (int j : products) {
    for (int c = 0; c < C; ++c) state.smuggled_units(j, c) = state.smuggling_issuer(j, c) >= 0 ? state.units_to(j, c) : 0.0;
    state.units_sold(j) = state.units_to.row(j).sum();
    state.notional_demand(j) = state.units_sold(j) + extra_demand(j);
    if (!(state.capacity_shadow_cost(j) > 0)) state.binding_input(j) = 0;
    // Priced by destination: the product's price is the mean over its destinations, weighted by
    // units (unweighted when nothing sold); a product with no column keeps last period's.
    if (!market.destination.empty() && columns_of[static_cast<std::size_t>(j)] > 0) {
      double value = 0;
      for (int c = 0; c < C; ++c)
        if (state.units_to(j, c) > 0) value += state.units_to(j, c) * state.price_to_usd(j, c);
      state.price_usd(j) = state.units_sold(j) > 0 ? value / state.units_sold(j) : column_price_sum(j) / columns_of[static_cast<std::size_t>(j)];
    }
  }
  state.buyer_spend_usd = eq.terms.buyer_spend;
  // Buyers' welfare at the equilibrium: the log-sum over the price coefficient at the virtual
  // prices, plus the rent of the rationing wedges on what they buy (NaN for CES).
  state.consumer_surplus_usd = rationed_consumer_surplus(*model.demand, market, eq.price, &eq.terms);
  state.buyer_compute_h100e = eq.terms.buyer_compute;
  state.buyer_domestic_units = eq.terms.buyer_domestic_units;
  state.pricing_iterations += iterations;
  state.pricing_residual = std::max(state.pricing_residual, eq.residual);
}

}  // namespace chipsim

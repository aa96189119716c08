#include "sim/markets/hbm_market.hpp"

#include <map>

#include "sim/markets/bertrand_nash.hpp"

namespace chipsim {

namespace {
const DemandModel& hbm_demand_model() {
  static const std::shared_ptr<const DemandModel> logit = make_demand_model("logit");
  return *logit;
}
}  // namespace

void clear_hbm_market(const Model& model, State& state) {
  const auto& hbm = model.products_of(ProductKind::hbm);
  state.hbm_bought.setZero(model.n_products());
  state.hbm_spend_usd.setZero(model.n_products());
  for (int h : hbm) {
    state.units_to.row(h).setZero();
    state.units_sold(h) = 0;
    state.effective_capacity(h) = state.capacity_units(h) * state.capacity_factor(h);
  }
  if (hbm.empty()) return;

  std::vector<int> buyers;  // accelerator product lines that want HBM
  for (int j : model.products_of(ProductKind::accelerator))
    if (state.hbm_demand(j) > 0) buyers.push_back(j);
  if (buyers.empty()) return;

  // Access groups: (buyer country, minimum usable generation).
  std::map<std::pair<int, int>, int> group_index;
  std::vector<std::pair<int, int>> groups;
  std::vector<int> buyer_group;
  for (int j : buyers) {
    const std::pair<int, int> key{model.products[j].origin, model.products[j].hbm_generation};
    auto [it, added] = group_index.emplace(key, static_cast<int>(groups.size()));
    if (added) groups.push_back(key);
    buyer_group.push_back(it->second);
  }

  const int B = static_cast<int>(buyers.size()), H = static_cast<int>(hbm.size()), G = static_cast<int>(groups.size());
  MarketData m;
  m.n_countries = G;
  m.n_owners = model.n_firms();
  m.market_size.resize(B);
  m.alpha.resize(B);
  m.home_bias.setZero(B);
  m.buyer_country = buyer_group;
  for (int b = 0; b < B; ++b) {
    const Product& p = model.products[buyers[b]];
    m.market_size(b) = state.hbm_demand(buyers[b]);
    m.alpha(b) = model.firms[p.owner].hbm_price_sensitivity_per_usd;
  }
  m.mean_utility.resize(H);
  m.marginal_cost.resize(H);
  m.capacity.resize(H);
  m.performance.setOnes(H);       // buyer_compute then counts stacks
  m.units_per_choice.setOnes(H);
  m.product_origin.resize(H);
  m.product_owner.resize(H);
  m.available.setZero(H, G);
  m.tariff_rate.setZero(H, G);
  m.licence_fee.setZero(H, G);
  m.utility_shift.setZero(H, G);
  Eigen::VectorXd warm(H);
  for (int k = 0; k < H; ++k) {
    const int h = hbm[k];
    const Product& p = model.products[h];
    m.mean_utility(k) = p.appeal;
    m.marginal_cost(k) = state.unit_cost_usd(h);
    m.capacity(k) = state.effective_capacity(h);
    m.product_origin[k] = -1;  // no home bias in HBM purchases
    m.product_owner[k] = p.owner;
    warm(k) = state.price_usd(h);
    for (int g = 0; g < G; ++g) {
      const auto [country, min_generation] = groups[g];
      m.available(k, g) = (state.available(h, country) > 0 && p.hbm_generation >= min_generation) ? 1.0 : 0.0;
      m.tariff_rate(k, g) = state.tariff_rate(h, country) + state.grey_markup(h, country);
      m.licence_fee(k, g) = state.licence_fee(h, country);
      m.utility_shift(k, g) = state.leak_shift(h, country);
    }
  }

  PricingOptions options;
  options.tolerance = model.parameters.pricing_tolerance;
  options.max_iterations = model.parameters.pricing_max_iterations;
  options.acceleration_memory = model.parameters.pricing_acceleration_memory;
  const Equilibrium eq = solve_bertrand_nash_with_exit(hbm_demand_model(), m, warm, options);

  for (int k = 0; k < H; ++k) {
    const int h = hbm[k];
    state.price_usd(h) = eq.price(k);
    for (int g = 0; g < G; ++g) state.units_to(h, groups[g].first) += eq.terms.units_to(k, g);
    state.units_sold(h) = state.units_to.row(h).sum();
  }
  for (int b = 0; b < B; ++b) {
    const int j = buyers[b];
    state.hbm_bought(j) = eq.terms.buyer_compute(b);  // performance 1 per stack
    state.hbm_spend_usd(j) = eq.terms.buyer_spend(b);
    if (state.hbm_bought(j) > 0) state.hbm_unit_cost_usd(j) = state.hbm_spend_usd(j) / state.hbm_bought(j);
  }
  state.pricing_iterations += eq.iterations;
  state.pricing_residual = std::max(state.pricing_residual, eq.residual);
}

}  // namespace chipsim

#include "sim/accelerator_market.hpp"

#include <cmath>

#include "sim/bertrand_nash.hpp"

namespace chipsim {

MarketData accelerator_market_data(const Model& model, const State& state) {
  const int A = model.n_ai_firms(), P = model.n_products();
  MarketData m;
  m.market_size.resize(A);
  m.alpha.resize(A);
  m.home_bias.resize(A);
  m.buyer_country.resize(A);
  for (int i = 0; i < A; ++i) {
    const AiFirm& a = model.ai_firms[i];
    m.market_size(i) = state.budget_usd(i) / model.parameters.reference_unit_price_usd;
    m.alpha(i) = a.price_sensitivity_per_usd;
    m.home_bias(i) = a.home_bias;
    m.buyer_country[i] = a.country;
  }
  m.mean_utility.resize(P);
  m.marginal_cost.resize(P);
  m.capacity.resize(P);
  m.performance.resize(P);
  m.units_per_choice.resize(P);
  m.product_origin.resize(P);
  m.product_owner.resize(P);
  for (int j = 0; j < P; ++j) {
    const Product& p = model.products[j];
    m.mean_utility(j) = model.parameters.utility_per_log_performance * std::log(p.performance_h100e) + p.appeal;
    m.marginal_cost(j) = p.marginal_cost_usd;
    m.capacity(j) = state.capacity_units(j);
    m.performance(j) = p.performance_h100e;
    m.units_per_choice(j) = std::pow(p.performance_h100e, -model.parameters.compute_denominated_demand);
    m.product_origin[j] = p.origin;
    m.product_owner[j] = p.owner;
  }
  m.n_owners = model.n_firms();
  m.n_countries = model.n_countries();
  m.available = state.available;
  m.tariff_rate = state.tariff_rate;
  m.licence_fee = state.licence_fee;
  return m;
}

void clear_accelerator_market(const Model& model, State& state) {
  const MarketData market = accelerator_market_data(model, state);
  PricingOptions options;
  options.tolerance = model.parameters.pricing_tolerance;
  options.max_iterations = model.parameters.pricing_max_iterations;
  Equilibrium eq = solve_bertrand_nash(*model.demand, market, state.price_usd, options);

  state.price_usd = eq.price;
  state.units_to = eq.terms.units_to;
  state.units_sold = state.units_to.rowwise().sum().matrix();
  state.buyer_spend_usd = eq.terms.buyer_spend;
  state.buyer_compute_h100e = eq.terms.buyer_compute;
  state.buyer_domestic_units = eq.terms.buyer_domestic_units;
  state.pricing_iterations = eq.iterations;
  state.pricing_residual = eq.residual;
}

}  // namespace chipsim

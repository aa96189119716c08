#include "sim/accelerator_market.hpp"

#include <cmath>

#include "sim/bertrand_nash.hpp"

namespace chipsim {

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
  m.available.resize(P, model.n_countries());
  m.tariff_rate.resize(P, model.n_countries());
  m.licence_fee.resize(P, model.n_countries());
  for (int k = 0; k < P; ++k) {
    const int j = products[k];
    const Product& p = model.products[j];
    m.mean_utility(k) = model.parameters.utility_per_log_performance * std::log(p.performance_h100e) + p.appeal;
    // Marginal cost of a unit: its own cost plus its HBM stacks at the latest price paid.
    m.marginal_cost(k) = p.marginal_cost_usd + p.hbm_stacks * state.hbm_unit_cost_usd(j);
    m.capacity(k) = state.effective_capacity(j);
    m.performance(k) = p.performance_h100e;
    m.units_per_choice(k) = std::pow(p.performance_h100e, -model.parameters.compute_denominated_demand);
    m.product_origin[k] = p.origin;
    m.product_owner[k] = p.owner;
    m.available.row(k) = state.available.row(j);
    m.tariff_rate.row(k) = state.tariff_rate.row(j);
    m.licence_fee.row(k) = state.licence_fee.row(j);
  }
  m.n_owners = model.n_firms();
  m.n_countries = model.n_countries();
  return m;
}

void clear_accelerator_market(const Model& model, State& state) {
  const auto& products = model.products_of(ProductKind::accelerator);
  // Output is limited by capacity and by the HBM at hand (stock + bought this period).
  for (int j : products) {
    const Product& p = model.products[j];
    double cap = state.capacity_units(j);
    if (p.hbm_stacks > 0) cap = std::min(cap, (state.hbm_stock(j) + state.hbm_bought(j)) / p.hbm_stacks);
    state.effective_capacity(j) = cap;
  }
  const MarketData market = accelerator_market_data(model, state);
  PricingOptions options;
  options.tolerance = model.parameters.pricing_tolerance;
  options.max_iterations = model.parameters.pricing_max_iterations;
  Eigen::VectorXd warm(static_cast<Eigen::Index>(products.size()));
  for (std::size_t k = 0; k < products.size(); ++k) warm(static_cast<Eigen::Index>(k)) = state.price_usd(products[k]);
  const Equilibrium eq = solve_bertrand_nash(*model.demand, market, warm, options);

  for (std::size_t k = 0; k < products.size(); ++k) {
    const int j = products[k];
    const auto kk = static_cast<Eigen::Index>(k);
    state.price_usd(j) = eq.price(kk);
    state.units_to.row(j) = eq.terms.units_to.row(kk);
    state.units_sold(j) = state.units_to.row(j).sum();
    state.offered[static_cast<std::size_t>(j)] = market.available.row(kk).sum() > 0 && market.capacity(kk) > 0;
  }
  state.buyer_spend_usd = eq.terms.buyer_spend;
  state.buyer_compute_h100e = eq.terms.buyer_compute;
  state.buyer_domestic_units = eq.terms.buyer_domestic_units;
  state.pricing_iterations += eq.iterations;
  state.pricing_residual = std::max(state.pricing_residual, eq.residual);
}

}  // namespace chipsim

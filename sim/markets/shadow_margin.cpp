#include "sim/markets/shadow_margin.hpp"

#include <cmath>
#include <limits>

namespace chipsim {

double shadow_margin_per_unit(const Model& model, const State& state, int j) {
  const double price = state.price_usd(j);
  if (!std::isfinite(price) || !state.offered[static_cast<std::size_t>(j)]) return std::numeric_limits<double>::quiet_NaN();
  double units = 0, fee = 0;
  for (int c = 0; c < model.n_countries(); ++c) {
    units += state.units_to(j, c);
    fee += state.units_to(j, c) * state.licence_fee(j, c);
  }
  const double mean_fee = units > 0 ? fee / units : 0.0;
  double net_price = (1.0 - mean_fee) * price;
  if (model.parameters.pricing == Pricing::by_destination && units > 0) {
    double net = 0;
    for (int c = 0; c < model.n_countries(); ++c)
      if (state.units_to(j, c) > 0) net += state.units_to(j, c) * (1.0 - state.licence_fee(j, c)) * state.price_to_usd(j, c);
    net_price = net / units;
  }
  return net_price - state.unit_cost_usd(j);
}

double notional_margin_per_unit(const Model& model, const State& state, int j) {
  const double margin = shadow_margin_per_unit(model, state, j);
  if (std::isfinite(margin) || !state.demand_observed[static_cast<std::size_t>(j)]) return margin;  // never on sale: NaN
  return state.price_usd(j) - state.unit_cost_usd(j);
}

}  // namespace chipsim

#include "sim/markets/hbm_market.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "sim/markets/input_market.hpp"
#include "sim/markets/shadow_margin.hpp"

namespace chipsim {

namespace {
// A line's value of one stack: its shadow margin per stack; after a period without sales, its
// expected margin (kept for every line by sim/markets/foundry_market.cpp, which clears first), so
// that a line outbid for an input does not bid as a launch the next month; NaN when never priced.
double value_per_stack(const Model& model, const State& state, int j) {
  double margin = shadow_margin_per_unit(model, state, j);
  if (!std::isfinite(margin)) margin = state.expected_margin_usd(j);
  return margin / model.products[j].hbm_stacks;
}
}  // namespace

void clear_hbm_market(const Model& model, State& state) {
  const auto& hbm = model.products_of(ProductKind::hbm);
  state.hbm_bought.setZero(model.n_products());
  state.hbm_spend_usd.setZero(model.n_products());
  for (int h : hbm) {
    state.units_to.row(h).setZero();
    state.units_sold(h) = 0;
    state.capacity_shadow_cost(h) = 0;
    state.effective_capacity(h) = state.capacity_units(h) * state.capacity_factor(h);
  }
  if (hbm.empty()) return;

  std::vector<int> lines;  // accelerator product lines that want HBM
  for (int j : model.products_of(ProductKind::accelerator))
    if (state.hbm_demand(j) > 0) lines.push_back(j);

  std::vector<InputSupply> supplies(hbm.size());
  for (std::size_t k = 0; k < hbm.size(); ++k) {
    const int h = hbm[k];
    supplies[k].capacity = state.effective_capacity(h);
    supplies[k].reservation_price = state.unit_cost_usd(h) * (1.0 + model.firms[model.products[h].owner].hbm_markup);
  }
  std::vector<InputBuyer> buyers(lines.size());
  for (std::size_t b = 0; b < lines.size(); ++b) {
    buyers[b].need = state.hbm_demand(lines[b]);
    buyers[b].value = value_per_stack(model, state, lines[b]);
  }
  const double launch_value = launch_bid(buyers, supplies);  // the lines' only (outside buyers come next)
  for (auto& b : buyers)
    if (!std::isfinite(b.value)) b.value = launch_value;
  // Outside buyers follow the lines: need = stacks (1 + growth)^month, up to the ceiling, summed
  // over the period's months.
  const std::size_t L = lines.size(), O = model.hbm_buyers.size();
  std::vector<int> buyer_country(L + O), buyer_generation(L + O);
  std::vector<double> buyer_bias(L + O, 0.0);
  for (std::size_t b = 0; b < L; ++b) {
    const Product& line = model.products[lines[b]];
    buyer_country[b] = line.origin;
    buyer_generation[b] = line.hbm_generation;
    buyer_bias[b] = model.firms[line.owner].hbm_home_bias;
  }
  for (std::size_t o = 0; o < O; ++o) {
    const HbmBuyer& x = model.hbm_buyers[o];
    // Its months' needs, stepped month by month (monthly runs: one month, as before).
    const int months = model.calendar.months_per_period;
    double need = 0;
    for (int k = 0; k < months; ++k) {
      double month = x.stacks_per_month * std::pow(1.0 + x.growth_per_month, state.period * months + k);
      if (x.max_stacks_per_month > 0) month = std::min(month, x.max_stacks_per_month);
      need += month;
    }
    buyers.push_back({need, x.value_per_stack_usd});
    buyer_country[L + o] = x.country;
    buyer_generation[L + o] = x.hbm_generation;
  }

  std::vector<InputArc> arcs;
  for (std::size_t b = 0; b < buyers.size(); ++b) {
    const int c = buyer_country[b];
    const double home_bias = buyer_bias[b];
    for (std::size_t k = 0; k < hbm.size(); ++k) {
      const int h = hbm[k];
      const Product& stack = model.products[h];
      if (state.available(h, c) <= 0 || stack.hbm_generation < buyer_generation[b]) continue;
      InputArc a;
      a.buyer = static_cast<int>(b);
      a.supply = static_cast<int>(k);
      a.price_factor = 1.0 + state.tariff_rate(h, c) + state.grey_markup(h, c) + state.customs_friction(h, c);
      a.preference = stack.origin == c ? 1.0 + home_bias : 1.0;
      a.seller_share = 1.0 - state.licence_fee(h, c);
      if (state.leak_shift(h, c) != 0) a.cap = std::exp(state.leak_shift(h, c)) * buyers[b].need;  // leak share of the need
      // Buy-side guidance or a procurement ban of the line's country: the complying share of its
      // need may not come from this product.
      if (state.buy_side_share(h, c) > 0) {
        const double allowed = std::max(0.0, 1.0 - state.buy_side_share(h, c)) * buyers[b].need;
        a.cap = a.cap < 0 ? allowed : std::min(a.cap, allowed);  // cap < 0: no limit so far
      }
      arcs.push_back(a);
    }
  }

  const InputClearing cleared = clear_input_market(buyers, supplies, arcs);
  for (std::size_t k = 0; k < hbm.size(); ++k) {
    state.price_usd(hbm[k]) = cleared.price[k];
    state.price_to_usd.row(hbm[k]).setConstant(cleared.price[k]);
    state.capacity_shadow_cost(hbm[k]) = cleared.price[k] - supplies[k].reservation_price;
  }
  std::vector<double> contract_cost(lines.size(), 0.0);  // at reservation prices, incl. the buyer's wedges
  state.hbm_buyer_bought.setZero(static_cast<Eigen::Index>(O));
  state.hbm_buyer_spend_usd.setZero(static_cast<Eigen::Index>(O));
  for (std::size_t r = 0; r < arcs.size(); ++r) {
    const double stacks = cleared.flow[r];
    if (stacks <= 0) continue;
    const auto b = static_cast<std::size_t>(arcs[r].buyer), k = static_cast<std::size_t>(arcs[r].supply);
    const int h = hbm[k];
    state.units_to(h, buyer_country[b]) += stacks;
    if (b >= L) {  // an outside buyer
      state.hbm_buyer_bought(static_cast<Eigen::Index>(b - L)) += stacks;
      state.hbm_buyer_spend_usd(static_cast<Eigen::Index>(b - L)) += stacks * state.price_usd(h) * arcs[r].price_factor;
      continue;
    }
    const int j = lines[b];
    state.hbm_bought(j) += stacks;
    state.hbm_spend_usd(j) += stacks * state.price_usd(h) * arcs[r].price_factor;
    contract_cost[b] += stacks * supplies[k].reservation_price * arcs[r].price_factor;
  }
  for (int h : hbm) state.units_sold(h) = state.units_to.row(h).sum();
  // The HBM cost that enters the accelerator's marginal cost is the contract (reservation)
  // price of the stacks last bought, with the buyer's tariffs and markups: the scarcity premium
  // is a rent on stacks in hand, which cannot be resold, not a cost of using them. (Were it a
  // cost, a short line's price would carry it, its value per stack next period with it, and
  // the HBM price would ratchet up month after month.)
  for (std::size_t b = 0; b < lines.size(); ++b)
    if (state.hbm_bought(lines[b]) > 0) state.hbm_unit_cost_usd(lines[b]) = contract_cost[b] / state.hbm_bought(lines[b]);
}

}  // namespace chipsim

#include "sim/pipeline/accounting.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

namespace chipsim {

void book_accounts(const Model& model, State& state) {
  const int P = model.n_products(), C = model.n_countries();
  state.revenue_usd.setZero(model.n_firms(), C);
  state.fee_income_usd.setZero(C);
  state.tariff_income_usd.setZero(C);
  state.trade_usd.setZero(C, C);
  state.hbm_trade_usd.setZero(C, C);
  state.grey_margin_usd.setZero(C);
  state.customs_friction_usd.setZero(C);
  state.fee_paid_usd.setZero(model.n_firms());
  for (int j = 0; j < P; ++j) {
    const Product& prod = model.products[j];
    for (int c = 0; c < C; ++c) {
      const double units = state.units_to(j, c);
      if (units == 0) continue;
      const double value = state.price_to_usd(j, c) * units;  // at producer prices (to that destination), USD
      const double fee = state.licence_fee(j, c) * value;
      // Smuggled sales are booked where the issuer's smuggling_booked_in says (a third country the
      // units pass through), else at their destination.
      int booked = c;
      if (const int g = state.smuggling_issuer(j, c); g >= 0)
        if (const Government* gov = model.government_of(g); gov && gov->smuggling_booked_in >= 0) booked = gov->smuggling_booked_in;
      state.revenue_usd(prod.owner, booked) += value;
      if (fee > 0) state.fee_income_usd(state.fee_recipient(j, c)) += fee;
      state.tariff_income_usd(c) += state.tariff_rate(j, c) * value;
      state.grey_margin_usd(c) += state.grey_markup(j, c) * value;
      state.customs_friction_usd(c) += state.customs_friction(j, c) * value;
      state.fee_paid_usd(prod.owner) += fee;
      (prod.kind == ProductKind::accelerator ? state.trade_usd : state.hbm_trade_usd)(prod.origin, c) += value;
      state.firm_cash_usd(prod.owner) += value - fee - state.unit_cost_usd(j) * units;
    }
  }
  // HBM: stacks built into the accelerators sold leave the stock; makers pay for what they bought.
  state.hbm_used.setZero(P);
  for (int j : model.products_of(ProductKind::accelerator)) {
    const Product& prod = model.products[j];
    if (prod.hbm_stacks <= 0) continue;
    state.hbm_used(j) = prod.hbm_stacks * state.units_sold(j);
    state.hbm_stock(j) += state.hbm_bought(j) - state.hbm_used(j);
    state.firm_cash_usd(prod.owner) -= state.hbm_spend_usd(j);
  }
  // Dies: the units sold draw the good dies down (their cost, at contract price, is in the unit cost).
  for (int j : model.products_of(ProductKind::accelerator))
    if (const Product& prod = model.products[j]; prod.process_node >= 0) {
      // Working dies are used first; the bank (reserve) covers the rest.
      state.die_stock(j) -= prod.dies_per_unit * state.units_sold(j);
      state.die_reserve(j) = std::min(state.die_reserve(j), std::max(0.0, state.die_stock(j)));
    }
}

namespace {
bool close(double a, double b, double rel) { return std::abs(a - b) <= rel * std::max({1.0, std::abs(a), std::abs(b)}); }

// A broken invariant names the period, the quantity, the scenario keys that drive it, and the
// scenario and demand model in use.
[[noreturn]] void broken(const Model& m, const State& s, const std::string& what, const std::string& keys) {
  throw InvariantError(s.period, m.calendar.label(s.period),
                       what + "; driven by " + keys + " (scenario " + m.scenario_file + ", demand model \"" +
                           m.demand_model + "\")");
}
}  // namespace

void check_invariants(const Model& model, const State& state) {
  const double tol = model.parameters.invariant_tolerance;
  const int P = model.n_products(), C = model.n_countries();
  double fees_owed = 0, gross = 0, buyer_paid_product_side = 0;
  for (int j = 0; j < P; ++j) {
    const Product& prod = model.products[j];
    double delivered = 0;
    for (int c = 0; c < C; ++c) {
      const double u = state.units_to(j, c), p = state.price_to_usd(j, c);
      if (u < 0 || !std::isfinite(u))
        broken(model, state, "negative or non-finite units of " + prod.name + " to " + model.countries[c].code,
               "the AI firms' budget_usd_per_month and growth, the product's capacity and price_sensitivity_per_kusd");
      if (u > 0 && state.available(j, c) == 0)
        broken(model, state, prod.name + " delivered to " + model.countries[c].code + " where access is denied",
               "the [[event]] control rules and licences");
      delivered += u;
      if (u == 0) continue;  // (no price where not on sale)
      fees_owed += state.licence_fee(j, c) * p * u;
      buyer_paid_product_side += p * (1.0 + state.tariff_rate(j, c) + state.grey_markup(j, c) + state.customs_friction(j, c)) * u;
      gross += p * u;
    }
    if (!close(delivered, state.units_sold(j), tol))
      broken(model, state, "units of " + prod.name + " delivered to destinations do not add up to units sold",
                                "the product's capacity_units_per_month and the AI firms' budgets");
    const double cap = state.effective_capacity(j);
    if (state.units_sold(j) > cap * (1.0 + tol) + tol)
      broken(model, state, "units sold of " + prod.name + " exceed its output ceiling (capacity, dies, packaging, HBM)",
                           "capacity_units_per_month, capacity_growth_per_month, hbm_stacks and the HBM makers' capacity");
    if (state.hbm_stock(j) < -tol * std::max(1.0, state.hbm_used(j)))
      broken(model, state, "negative HBM stock of " + prod.name + " (" + std::to_string(state.hbm_stock(j)) + " stacks)",
             "hbm_stacks, initial_hbm_stock_stacks, hbm_stockpile_months and the HBM products' capacity_units_per_month");
    if (prod.process_node >= 0 && state.die_stock(j) < -tol * std::max(1.0, prod.dies_per_unit * state.units_sold(j)))
      broken(model, state, "negative die stock of " + prod.name + " (" + std::to_string(state.die_stock(j)) + " dies)",
             "dies_per_unit, initial_die_stock, die_area_mm2 and its [[process_node]]'s wafers_per_month");
    if (state.units_sold(j) > 0) {
      // Prices cover marginal cost (incl. HBM at its price) net of any licence fee owed.
      const double cost = state.unit_cost_usd(j) + prod.hbm_stacks * state.hbm_unit_cost_usd(j);
      double lowest_net = std::numeric_limits<double>::infinity();  // the lowest price net of fee it sold at
      for (int c = 0; c < C; ++c)
        if (state.units_to(j, c) > 0) lowest_net = std::min(lowest_net, (1.0 - state.licence_fee(j, c)) * state.price_to_usd(j, c));
      if (!(lowest_net >= cost * (1.0 - tol)))
        broken(model, state, "price of " + prod.name + " net of licence fees below marginal cost",
               "marginal_cost_usd, the licence fee_share of [[event]] licences, hbm_markup");
    }
  }
  const double revenue = state.revenue_usd.sum();
  const double buyers_paid = state.buyer_spend_usd.sum() + state.hbm_spend_usd.sum() + state.hbm_buyer_spend_usd.sum();
  const double tariffs = state.tariff_income_usd.sum() + state.grey_margin_usd.sum() + state.customs_friction_usd.sum();
  const double fees = state.fee_income_usd.sum();
  if (!close(buyers_paid, buyer_paid_product_side, tol))
    broken(model, state, "money: buyers' payments (" + std::to_string(buyers_paid) +
                             " USD) differ from the value of deliveries incl. tariffs (" +
                             std::to_string(buyer_paid_product_side) + " USD)",
           "tariff rates, grey-market keys and the AI firms' budgets");
  if (!close(buyers_paid, revenue + tariffs, tol))
    broken(model, state, "money: buyers' payments differ from firms' revenue plus tariff and grey-market income",
           "tariff rates and grey-market keys");
  if (!close(revenue, gross, tol))
    broken(model, state, "money: revenue by destination differs from price x units sold", "prices and capacities");
  if (!close(fees, fees_owed, tol))
    broken(model, state, "money: licence-fee income differs from fees owed", "the fee_share of [[event]] licences");
  for (int i = 0; i < model.n_ai_firms(); ++i)
    if (state.compute_stock_h100e(i) < 0 || state.budget_usd(i) < 0)
      broken(model, state, "negative compute stock or budget of " + model.ai_firms[i].name,
             "budget_usd_per_month, budget_growth_per_month, compute_depreciation_per_month of [[ai_firm]] " + model.ai_firms[i].name);
}

}  // namespace chipsim

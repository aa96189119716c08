#include "sim/markets/foundry_market.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "sim/markets/input_market.hpp"
#include "sim/markets/shadow_margin.hpp"

namespace chipsim {

namespace {
double good_dies_per_wafer(const Model& model, const State& state, int j) {
  const Product& p = model.products[j];
  const ProcessNode& node = model.process_nodes[static_cast<std::size_t>(p.process_node)];
  return gross_dies_per_wafer(state.die_area_mm2(j), node.wafer_diameter_mm) * state.die_yield(j);
}

// One input market: lines (product indices) with their need (input units) and value per input
// unit (NaN: not yet priced), supplies with capacity and reservation price, and for each line the
// supply it may buy from (-1: none). Returns the cleared market.
InputClearing clear(std::vector<InputBuyer>& buyers, const std::vector<InputSupply>& supplies, const std::vector<int>& supply_of) {
  // A launching line bids as the HBM market's (input_market.hpp launch_bid), but at least 1 USD
  // above the dearest supply's contract price, so that it is served when the input is free or
  // when every priced line values it below that price.
  double top_reservation = 0;
  for (const auto& s : supplies) top_reservation = std::max(top_reservation, s.reservation_price);
  double launch_value = launch_bid(buyers, supplies);
  if (!(launch_value > top_reservation)) launch_value = top_reservation + 1.0;
  for (auto& b : buyers)
    if (!std::isfinite(b.value)) b.value = launch_value;
  std::vector<InputArc> arcs;
  for (std::size_t b = 0; b < buyers.size(); ++b)
    if (supply_of[b] >= 0) {
      InputArc a;
      a.buyer = static_cast<int>(b);
      a.supply = supply_of[b];
      arcs.push_back(a);
    }
  return clear_input_market(buyers, supplies, arcs);
}
}  // namespace

void clear_foundry_and_packaging(const Model& model, State& state) {
  const int N = static_cast<int>(model.process_nodes.size()), L = static_cast<int>(model.packaging_lines.size());
  state.node_wafers_started.setZero(N);
  state.packaging_wafers_used.setZero(L);
  state.dies_made.setZero(model.n_products());
  for (int n = 0; n < N; ++n) state.node_wafer_price(n) = state.node_wafer_cost_usd(n);
  for (int l = 0; l < L; ++l) state.packaging_price(l) = state.packaging_cost_usd(l);
  // The margin the lines bid with: adaptive expectations of the shadow margin (the maker's
  // expectation_weight, as its demand forecast), so that scarce wafers do not swing month to
  // month towards whichever line sold dearest last period (a cobweb); a launching line has none.
  // A line that sold nothing last period (outbid for an input, or barred for a while) keeps
  // bidding its expectation, which follows its notional margin (last price less this period's
  // unit cost): only a line never priced bids as a launch. Bidding as a launch after every month
  // without sales made a line that loses the auction at its own margin win it every other month
  // (H20 in 2024: 33k units and 0 by turns). Kept for every accelerator line (the HBM market
  // bids with it after an idle month too), in worlds without tiers as well.
  for (int j : model.products_of(ProductKind::accelerator)) {
    const double m = notional_margin_per_unit(model, state, j);
    double& e = state.expected_margin_usd(j);
    if (!std::isfinite(m)) continue;  // never priced: no expectation yet
    e = std::isfinite(e) ? e + model.firms[model.products[j].owner].expectation_weight * (m - e) : m;
  }
  if (N == 0 && L == 0) return;
  auto margin_of = [&](int j) { return state.expected_margin_usd(j); };

  // Wafers.
  std::vector<int> lines, supply_of;
  std::vector<InputBuyer> buyers;
  for (int j : model.products_of(ProductKind::accelerator)) {
    const Product& p = model.products[j];
    if (p.process_node < 0) continue;
    const double good = good_dies_per_wafer(model, state, j);
    // The die bank is a reserve: a line buys wafers for its plan net of its working dies only, and
    // draws the bank when wafers fall short (barred, or outbid) — the insurance it was built as.
    const double dies = std::max(0.0, state.planned_output(j) * p.dies_per_unit - (state.die_stock(j) - state.die_reserve(j)));
    if (!(dies > 0) || !(good > 0)) continue;
    const ProcessNode& node = model.process_nodes[static_cast<std::size_t>(p.process_node)];
    const Firm& owner = model.firms[p.owner];
    lines.push_back(j);
    // The margin is net of the unit cost, which carries the dies at contract price: the value of
    // a wafer adds that back (a line with a positive margin outbids the wafer's cost).
    const double die_cost = p.dies_per_unit * state.node_wafer_cost_usd(p.process_node) / good;
    buyers.push_back({dies / good, (margin_of(j) + die_cost) * good / p.dies_per_unit});
    supply_of.push_back(foundry_denied(state, p.owner, owner.home, node.country, node.feature_nm, false) ? -1 : p.process_node);
  }
  std::vector<InputSupply> nodes(static_cast<std::size_t>(N));
  for (int n = 0; n < N; ++n)
    nodes[static_cast<std::size_t>(n)] = {state.node_capacity_wafers(n), state.node_wafer_cost_usd(n)};
  if (!lines.empty()) {
    const InputClearing wafers = clear(buyers, nodes, supply_of);
    for (int n = 0; n < N; ++n) state.node_wafer_price(n) = wafers.price[static_cast<std::size_t>(n)];
    for (std::size_t b = 0; b < lines.size(); ++b) {
      const int j = lines[b];
      const double w = wafers.bought[b];
      if (!(w > 0)) continue;
      state.dies_made(j) = w * good_dies_per_wafer(model, state, j);
      state.die_stock(j) += state.dies_made(j);
      state.node_wafers_started(model.products[j].process_node) += w;
    }
  }
  // Learning counts the wafers made with the tools the node has (equipment-weighted).
  for (int n = 0; n < N; ++n) state.node_learning_wafers(n) += state.node_wafers_started(n) * state.node_equipment_access(n);

  // Packaging slots.
  lines.clear(), supply_of.clear(), buyers.clear();
  for (int j : model.products_of(ProductKind::accelerator)) {
    const Product& p = model.products[j];
    if (p.packaging_line < 0) continue;
    state.packaging_slots(j) = 0;
    if (!(state.planned_output(j) > 0)) continue;
    const PackagingLine& line = model.packaging_lines[static_cast<std::size_t>(p.packaging_line)];
    lines.push_back(j);
    buyers.push_back({state.planned_output(j) / p.packages_per_packaging_wafer,  // (margin + packaging cost per unit) x units per wafer
                      margin_of(j) * p.packages_per_packaging_wafer + state.packaging_cost_usd(p.packaging_line)});
    supply_of.push_back(foundry_denied(state, p.owner, model.firms[p.owner].home, line.country, 0.0, true) ? -1 : p.packaging_line);
  }
  std::vector<InputSupply> slots(static_cast<std::size_t>(L));
  for (int l = 0; l < L; ++l)
    slots[static_cast<std::size_t>(l)] = {state.packaging_capacity_wafers(l), state.packaging_cost_usd(l)};
  if (!lines.empty()) {
    const InputClearing packaging = clear(buyers, slots, supply_of);
    for (int l = 0; l < L; ++l) state.packaging_price(l) = packaging.price[static_cast<std::size_t>(l)];
    for (std::size_t b = 0; b < lines.size(); ++b) {
      const int j = lines[b];
      state.packaging_slots(j) = packaging.bought[b] * model.products[j].packages_per_packaging_wafer;
      state.packaging_wafers_used(model.products[j].packaging_line) += packaging.bought[b];
    }
  }
}

}  // namespace chipsim

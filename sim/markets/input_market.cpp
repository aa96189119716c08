#include "sim/markets/input_market.hpp"

#include <lemon/list_graph.h>
#include <lemon/network_simplex.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace chipsim {

namespace {
// Integer units of the network simplex: 1/1000 of an input unit and 1/1000 of a USD. With needs
// and capacities clamped to 1e12 units (1e15 internal) and gains to 1e9 USD (1e12 internal),
// flows, potentials and LEMON's artificial cost ((max cost + 1) x nodes) stay far below 2^63.
constexpr double kQuantityScale = 1e3;
constexpr double kMoneyScale = 1e3;

// Rounded down, so that no flow exceeds a need, a capacity or an arc's limit.
// Quantities above 1e12 units and gains above 1e9 USD per unit are clamped (scenario ranges keep
// real inputs far below).
constexpr double kMaxQuantity = 1e12;
constexpr double kMaxGain = 1e9;
long long to_quantity(double x) {
  return static_cast<long long>(std::floor(std::clamp(x, 0.0, kMaxQuantity) * kQuantityScale));
}
double bid_of(const std::vector<InputBuyer>& buyers, const InputArc& arc) {
  return buyers[static_cast<std::size_t>(arc.buyer)].value * arc.preference / arc.price_factor;
}
}  // namespace

namespace {
// One clearing on the arcs not withdrawn (`open`).
InputClearing clear_once(const std::vector<InputBuyer>& buyers, const std::vector<InputSupply>& supplies,
                         const std::vector<InputArc>& arcs, const std::vector<char>& open) {
  using Graph = lemon::ListDigraph;
  using Simplex = lemon::NetworkSimplex<Graph, long long, long long>;
  const std::size_t B = buyers.size(), S = supplies.size(), R = arcs.size();
  InputClearing out;
  out.flow.assign(R, 0.0);
  out.bought.assign(B, 0.0);
  out.surplus.assign(B, 0.0);
  out.price.resize(S);
  for (std::size_t s = 0; s < S; ++s) out.price[s] = supplies[s].reservation_price;

  Graph g;
  Graph::ArcMap<long long> upper(g), cost(g);
  Graph::NodeMap<long long> supply_of(g, 0);
  const Graph::Node source = g.addNode(), sink = g.addNode();
  std::vector<Graph::Node> buyer_node(B), supply_node(S);
  std::vector<Graph::Arc> capacity_arc(S);
  auto add = [&](Graph::Node u, Graph::Node v, long long up, long long c) {
    const Graph::Arc a = g.addArc(u, v);
    upper[a] = up;
    cost[a] = c;
    return a;
  };
  long long total_need = 0;
  for (std::size_t b = 0; b < B; ++b) {
    buyer_node[b] = g.addNode();
    const long long need = to_quantity(buyers[b].need);
    add(source, buyer_node[b], need, 0);
    total_need += need;  // at most 1e15 per buyer: no overflow below ~9,000 buyers
  }
  for (std::size_t s = 0; s < S; ++s) {
    supply_node[s] = g.addNode();
    capacity_arc[s] = add(supply_node[s], sink, to_quantity(supplies[s].capacity), 0);
  }
  add(source, sink, total_need, 0);  // unmet need: no trade
  std::vector<Graph::Arc> trade(R);
  std::vector<char> traded(R, 0);
  for (std::size_t a = 0; a < R; ++a) {
    if (!open[a]) continue;
    const InputArc& arc = arcs[a];
    const double gain = bid_of(buyers, arc) - supplies[static_cast<std::size_t>(arc.supply)].reservation_price;
    const long long gain_units = std::isfinite(gain) ? std::llround(std::min(gain, kMaxGain) * kMoneyScale) : 0;
    if (gain_units <= 0) continue;  // no profitable trade on this arc
    long long up = to_quantity(buyers[static_cast<std::size_t>(arc.buyer)].need);
    if (arc.cap >= 0) up = std::min(up, to_quantity(arc.cap));
    trade[a] = add(buyer_node[static_cast<std::size_t>(arc.buyer)], supply_node[static_cast<std::size_t>(arc.supply)], up, -gain_units);
    traded[a] = 1;
  }
  supply_of[source] = total_need;
  supply_of[sink] = -total_need;

  Simplex simplex(g);
  simplex.upperMap(upper).costMap(cost).supplyMap(supply_of);
  if (simplex.run() != Simplex::OPTIMAL) throw std::runtime_error("input market: the network simplex found no optimum");

  for (std::size_t a = 0; a < R; ++a) {
    if (!traded[a]) continue;
    out.flow[a] = static_cast<double>(simplex.flow(trade[a])) / kQuantityScale;
    out.bought[static_cast<std::size_t>(arcs[a].buyer)] += out.flow[a];
  }
  // Scarcity premium of a supply: its capacity arc's dual, pi_s = pot(sink) - pot(s) >= 0 (LEMON's
  // reduced cost is cost + pot(tail) - pot(head); pi_s > 0 only on a saturated capacity arc). A
  // supply without capacity has none (its dual is not bounded).
  for (std::size_t s = 0; s < S; ++s) {
    if (upper[capacity_arc[s]] == 0) continue;
    const double premium =
        static_cast<double>(simplex.potential(sink) - simplex.potential(supply_node[s])) / kMoneyScale;
    out.price[s] = supplies[s].reservation_price + std::max(0.0, premium);
  }
  for (std::size_t a = 0; a < R; ++a) {
    if (!open[a]) continue;
    if (arcs[a].cap >= 0 && out.flow[a] >= static_cast<double>(to_quantity(arcs[a].cap)) / kQuantityScale)
      continue;  // a full quantity-limited arc: the buyer could not buy more there
    const std::size_t b = static_cast<std::size_t>(arcs[a].buyer);
    out.surplus[b] = std::max(out.surplus[b], bid_of(buyers, arcs[a]) - out.price[static_cast<std::size_t>(arcs[a].supply)]);
  }
  return out;
}
}  // namespace

double launch_bid(const std::vector<InputBuyer>& buyers, const std::vector<InputSupply>& supplies) {
  double top_value = -std::numeric_limits<double>::infinity(), top_reservation = 0;
  for (const InputBuyer& b : buyers)
    if (std::isfinite(b.value)) top_value = std::max(top_value, b.value);
  for (const InputSupply& s : supplies) top_reservation = std::max(top_reservation, s.reservation_price);
  return std::isfinite(top_value) ? top_value : 2.0 * top_reservation;
}

InputClearing clear_input_market(const std::vector<InputBuyer>& buyers, const std::vector<InputSupply>& supplies,
                                 const std::vector<InputArc>& arcs) {
  const std::size_t B = buyers.size(), S = supplies.size(), R = arcs.size();
  std::vector<char> open(R, 1);
  for (std::size_t a = 0; a < R; ++a) {
    const InputArc& arc = arcs[a];
    if (arc.buyer < 0 || static_cast<std::size_t>(arc.buyer) >= B || arc.supply < 0 || static_cast<std::size_t>(arc.supply) >= S)
      throw std::invalid_argument("input market: an arc names a buyer or supply that does not exist");
    if (!(arc.price_factor > 0) || !(arc.seller_share > 0)) open[a] = 0;
  }
  // Sellers withdraw from arcs where what they keep is below their reservation price, and the
  // market clears again; arcs are only withdrawn, so this ends.
  for (;;) {
    InputClearing out = clear_once(buyers, supplies, arcs, open);
    bool withdrawn = false;
    for (std::size_t a = 0; a < R; ++a) {
      const auto s = static_cast<std::size_t>(arcs[a].supply);
      if (open[a] && out.flow[a] > 0 && arcs[a].seller_share * out.price[s] < supplies[s].reservation_price) {
        open[a] = 0;
        withdrawn = true;
      }
    }
    if (!withdrawn) return out;
  }
}

}  // namespace chipsim

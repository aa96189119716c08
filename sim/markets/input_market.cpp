#include "sim/markets/input_market.hpp"

#include <lemon/list_graph.h>
#include <lemon/network_simplex.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace chipsim {

namespace {
// Integer units of the network simplex: 1/1000 of an input unit and 1/1000 of a USD. Flows up
// to ~1e14 units and surpluses up to ~1e12 USD per unit stay far from 64-bit limits (potentials
// are sums of arc costs along tree paths, never products with flows).
constexpr double kQuantityScale = 1e3;
constexpr double kMoneyScale = 1e3;

// Rounded down, so that no flow exceeds a need, a capacity or an arc's limit.
long long to_quantity(double x) { return static_cast<long long>(std::floor(std::max(0.0, x) * kQuantityScale)); }
}  // namespace

InputClearing clear_input_market(const std::vector<InputBuyer>& buyers, const std::vector<InputSupply>& supplies,
                                 const std::vector<InputArc>& arcs) {
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
    total_need += need;
  }
  for (std::size_t s = 0; s < S; ++s) {
    supply_node[s] = g.addNode();
    add(supply_node[s], sink, to_quantity(supplies[s].capacity), 0);
  }
  add(source, sink, total_need, 0);  // unmet need: no trade
  std::vector<Graph::Arc> trade(R);
  std::vector<char> traded(R, 0);
  for (std::size_t a = 0; a < R; ++a) {
    const InputArc& arc = arcs[a];
    if (arc.buyer < 0 || static_cast<std::size_t>(arc.buyer) >= B || arc.supply < 0 || static_cast<std::size_t>(arc.supply) >= S)
      throw std::invalid_argument("input market: an arc names a buyer or supply that does not exist");
    if (!(arc.price_factor > 0) || !(arc.reservation_factor > 0)) continue;
    const double bid = buyers[static_cast<std::size_t>(arc.buyer)].value * arc.preference / arc.price_factor;
    const double gain = bid - supplies[static_cast<std::size_t>(arc.supply)].reservation_price * arc.reservation_factor;
    const long long gain_units = std::isfinite(gain) ? std::llround(gain * kMoneyScale) : 0;
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
  // reduced cost is cost + pot(tail) - pot(head); pi_s > 0 only on a saturated capacity arc).
  for (std::size_t s = 0; s < S; ++s) {
    const double premium =
        static_cast<double>(simplex.potential(sink) - simplex.potential(supply_node[s])) / kMoneyScale;
    out.price[s] = supplies[s].reservation_price + std::max(0.0, premium);
  }
  for (std::size_t a = 0; a < R; ++a) {
    if (!(arcs[a].price_factor > 0)) continue;
    const std::size_t b = static_cast<std::size_t>(arcs[a].buyer);
    const double bid = buyers[b].value * arcs[a].preference / arcs[a].price_factor;
    out.surplus[b] = std::max(out.surplus[b], bid - out.price[static_cast<std::size_t>(arcs[a].supply)]);
  }
  return out;
}

}  // namespace chipsim

#pragma once
// A market for an intermediate input bought as a fixed requirement (Leontief): the buyers are
// production lines that each need `need` units (e.g. HBM stacks) and value each unit at
// `value` (USD: what one more unit of input adds to the line's profit, its shadow margin);
// the sellers are input products with a capacity and a reservation (supply) price. A buyer may
// only use the products it has an arc to (generation and access); on an arc it pays
// price x `price_factor` (tariffs, grey-market markups), and the arc may carry at most `cap`
// units (a quantity-limited channel, e.g. leakage).
//
// The market clears as a competitive (Walrasian) equilibrium of this assignment market, the
// transportation linear programme (Shapley & Shubik 1971, "The assignment game I: the core",
// Int. J. Game Theory 1; Koopmans & Beckmann 1957):
//     max  sum_arcs x_a (u_a - r_s(a))   s.t.  sum_{a of b} x_a <= need_b,  sum_{a of s} x_a <= K_s,
//          0 <= x_a <= cap_a,      u_a = value_b x preference_a / price_factor_a  (the bid in producer price),
// whose dual prices on the capacities are the scarcity premia: price_s = r_s + pi_s, pi_s >= 0,
// pi_s > 0 only where the product sells its whole capacity (complementary slackness). Every
// buyer buys from the products that give it the largest surplus u_a - price_s >= 0, a buyer
// with positive surplus gets its whole need, and a buyer served in part has zero surplus: under
// scarcity the price equals the marginal buyer's value, and the buyers with the highest values
// are served first. When capacity is ample every buyer with value above the reservation price
// gets its whole need at the reservation price. (Wedges enter as bids in producer prices,
// value / factor: exact when a buyer's options carry the same factor.) A seller does not sell on
// an arc where the share it keeps (1 - licence fee) of the price is below its reservation price:
// such arcs are withdrawn and the market cleared again, until none is left (as the accelerator
// market's exit from loss-making licensed sales).
//
// Solved exactly by LEMON's network simplex (min-cost flow on source -> buyers -> products ->
// sink with a bypass arc), in integer units: quantities rounded down to 1/1000 of a unit (at most
// 1e12 units per need, capacity or arc), money to 1e-3 USD (gains at most 1e9 USD per unit).
// Deterministic. A supply with no capacity has no scarcity premium. Where the premium is not
// unique (a supply that exactly sells out with every need met) it is one of the clearing premia.
#include <vector>

namespace chipsim {

struct InputBuyer {
  double need = 0;   // units wanted this period (>= 0)
  double value = 0;  // USD per unit of input: the buyer's value of one more unit
};

struct InputSupply {
  double capacity = 0;           // units available this period (>= 0)
  double reservation_price = 0;  // USD per unit: the price when capacity is not scarce
};

struct InputArc {
  int buyer = 0;
  int supply = 0;
  double price_factor = 1;  // the buyer pays price x this (>= 1 with tariffs and markups)
  double preference = 1;    // the buyer's bid on this arc is value x preference / price_factor (home bias: > 1)
  double seller_share = 1;  // share of the price the seller keeps on this arc (licence fee f: 1 - f)
  double cap = -1;          // most units the arc can carry (< 0: no limit beyond need and capacity)
};

struct InputClearing {
  std::vector<double> flow;     // units per arc (arcs)
  std::vector<double> price;    // USD per unit at the seller (supplies)
  std::vector<double> bought;   // units per buyer (buyers)
  std::vector<double> surplus;  // USD per unit: the buyer's surplus on its best arc with room left (not at its cap), >= 0 (buyers)
};

// The bid of a buyer with no value of its own yet (value NaN: a production line launching, not
// yet priced): the highest finite value among `buyers`, or twice the highest reservation price
// of `supplies` if none has one. USD per unit of input.
double launch_bid(const std::vector<InputBuyer>& buyers, const std::vector<InputSupply>& supplies);

// Throws std::invalid_argument on an arc naming a missing buyer or supply, and
// std::runtime_error if the solver fails (it cannot on valid input: the bypass keeps it feasible).
InputClearing clear_input_market(const std::vector<InputBuyer>& buyers, const std::vector<InputSupply>& supplies,
                                 const std::vector<InputArc>& arcs);

}  // namespace chipsim

#pragma once
// Stage 3b (docs/MODEL_NOTES.md §3b): foundry wafers and advanced-packaging slots are allocated
// among the accelerator lines. Both are Leontief inputs bought as derived demand, cleared as the
// competitive equilibrium of an assignment market (sim/markets/input_market.hpp), as HBM is:
//
//  - Wafers. A line made on a process node needs (planned output x dies per unit - good dies in
//    stock) / good dies per wafer wafers, good dies per wafer = gross dies per wafer (die area,
//    wafer size) x the node's die yield. It values a wafer at what its dies add to profit: (its
//    shadow margin per unit, sim/markets/shadow_margin.hpp, + the dies' contract cost per unit,
//    which that margin is net of) x good dies per wafer / dies per unit. A node offers its
//    capacity at its wafer cost; when short, the price rises to the marginal line's value and
//    the lines with the highest values are served first (the allocation that long-term
//    agreements with prepayment buy: TSMC's CoWoS went to the customers who paid most for it).
//  - Packaging slots. A line with a packaging line needs planned output / packages per
//    packaging wafer wafers, valued at (its margin per unit + the packaging cost per unit) x
//    packages per wafer.
//  - A foundry control in force (sim/core/supply_tiers.hpp) removes the arc from a line to a
//    node (packaging line) in its jurisdictions: the line then builds from its die stock only.
//  - A launching line (no price yet) bids the highest value of the priced lines of that
//    market, or twice the highest reservation price if none is priced (launch_bid), and at
//    least 1 USD above the highest reservation price (a free input: any positive bid).
//
// Good dies made this period enter the line's die stock at once (no cycle-time lag: an
// ASSUMPTION, documented); packaging slots are a flow (unused slots lapse). Lines pay contract
// prices (the wafer and packaging costs, in their unit cost: agents/foundries.cpp): the clearing
// price's premium over cost is the shadow price of the scarce capacity, by which the foundry
// rations at contract prices (TSMC did not auction CoWoS), not a payment. Writes node_wafer_price,
// node_wafers_started, node_learning_wafers (+ wafers x equipment access), dies_made, die_stock,
// packaging_price, packaging_wafers_used, packaging_slots, expected_margin_usd.
#include "sim/core/model.hpp"
#include "sim/core/state.hpp"

namespace chipsim {

void clear_foundry_and_packaging(const Model& model, State& state);

}  // namespace chipsim

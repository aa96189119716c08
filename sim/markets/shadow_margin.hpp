#pragma once
// What one more unit of output is worth to an accelerator line: the price it expects (last
// period's, net of the licence fees it paid; priced by destination, the units-weighted mean of
// each destination's net price) less its unit cost (own costs after learning, dies and
// packaging at contract prices; not HBM, which the HBM market prices). The input markets
// (HBM, wafers, packaging slots) value an input at this margin per unit of input it takes:
// derived demand for a Leontief input.
#include "sim/core/model.hpp"
#include "sim/core/state.hpp"

namespace chipsim {

// USD per unit of output; NaN when the line was not on sale last period (launching, or back on
// sale): its price is no market price.
double shadow_margin_per_unit(const Model& model, const State& state, int product);

// The same for a line that sold nothing last period but was priced before (outbid for an
// input, or barred for a while): its last price, gross of fees, less this period's unit cost.
// The expectation the input markets bid with (sim/markets/foundry_market.cpp) follows it, so
// that an idle line's bid tracks its costs. NaN for a line never priced.
double notional_margin_per_unit(const Model& model, const State& state, int product);

}  // namespace chipsim

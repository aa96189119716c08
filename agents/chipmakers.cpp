#include "agents/chipmakers.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>

namespace chipsim {

void grow_capacity(const Model& model, State& state) {
  const Month now = model.calendar.month_of(state.period);
  tbb::parallel_for(tbb::blocked_range<int>(0, model.n_products()), [&](const tbb::blocked_range<int>& r) {
    for (int j = r.begin(); j != r.end(); ++j) {
      const Product& p = model.products[j];
      if (now < p.launch) continue;
      double next = state.capacity_units(j) * (1.0 + p.capacity_growth);
      if (p.capacity_max > 0) next = std::min(next, p.capacity_max);
      state.capacity_units(j) = next;
    }
  });
}

}  // namespace chipsim

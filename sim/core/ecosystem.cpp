#include "sim/core/ecosystem.hpp"

#include <algorithm>
#include <cmath>

namespace chipsim {

double ecosystem_appeal(const Parameters& q, double base, double initial) {
  if (q.ecosystem_utils_per_log_base == 0) return 0.0;
  const double r = q.ecosystem_reference_h100e;
  return q.ecosystem_utils_per_log_base * (std::log1p(std::max(0.0, base) / r) - std::log1p(std::max(0.0, initial) / r));
}

}  // namespace chipsim

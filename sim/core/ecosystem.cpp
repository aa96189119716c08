#include "sim/core/ecosystem.hpp"

#include <algorithm>
#include <cmath>

namespace chipsim {

double ecosystem_appeal(const Parameters& q, double base, double initial, double total, double initial_total) {
  if (q.ecosystem_utils_per_log_base == 0) return 0.0;
  const double r = q.ecosystem_reference_h100e;
  const auto l = [&](double b) { return std::log1p(std::max(0.0, b) / r); };
  return q.ecosystem_utils_per_log_base * ((l(base) - l(initial)) - (l(total) - l(initial_total)));
}

Eigen::VectorXd ecosystem_appeals(const Model& model, const State& state) {
  const int F = model.n_firms();
  Eigen::VectorXd u = Eigen::VectorXd::Zero(F);
  if (model.parameters.ecosystem_utils_per_log_base == 0) return u;
  double total = 0, initial_total = 0;
  for (int f = 0; f < F; ++f)
    if (model.firms[f].kind == ProductKind::accelerator) {
      total += state.installed_base_h100e(f);
      initial_total += model.firms[f].initial_installed_base_h100e;
    }
  for (int f = 0; f < F; ++f)
    if (model.firms[f].kind == ProductKind::accelerator)
      u(f) = ecosystem_appeal(model.parameters, state.installed_base_h100e(f), model.firms[f].initial_installed_base_h100e, total,
                              initial_total);
  return u;
}

}  // namespace chipsim

#include "calibration/moment_window.hpp"

#include <algorithm>

namespace chipsim {

namespace {

// Sum of variable[t, a, b] over periods ts (3-D variable with dims of sizes n_a x n_b); a or b
// nullopt sums over that dimension.
double sum3(const Variable& v, std::size_t n_a, std::size_t n_b, const std::vector<std::size_t>& ts,
            std::optional<std::size_t> a, std::optional<std::size_t> b) {
  double total = 0;
  for (std::size_t t : ts)
    for (std::size_t i = 0; i < n_a; ++i)
      for (std::size_t j = 0; j < n_b; ++j)
        if ((!a || *a == i) && (!b || *b == j)) total += v.data[(t * n_a + i) * n_b + j];
  return total;
}

std::optional<std::optional<std::size_t>> destination_index(const Model& m, const std::optional<std::string>& destination) {
  if (!destination) return std::optional<std::size_t>();
  const auto c = m.country_index(*destination);
  if (!c) return std::nullopt;
  return std::optional<std::size_t>(static_cast<std::size_t>(*c));
}

}  // namespace

std::optional<std::vector<std::size_t>> periods_covering(const Model& m, const Series& s, const Window& w) {
  std::vector<std::size_t> out;
  for (std::size_t t = 0; t < s.n_periods(); ++t) {
    const auto mo = parse_month(s.time_labels[t]);
    if (mo && !(*mo < w.first) && !(w.last < *mo)) out.push_back(t);
  }
  const int months = w.last.serial() - w.first.serial() + 1;
  if (static_cast<int>(out.size()) * m.calendar.months_per_period < months) return std::nullopt;
  return out;
}

std::optional<double> firm_revenue(const Model& m, const Series& s, const Window& w, const std::string& firm,
                                   const std::optional<std::string>& destination) {
  const auto f = m.firm_index(firm);
  const auto ts = periods_covering(m, s, w);
  const auto d = destination_index(m, destination);
  if (!f || !ts || !d) return std::nullopt;
  return sum3(s.variable("revenue"), static_cast<std::size_t>(m.n_firms()), static_cast<std::size_t>(m.n_countries()), *ts,
              static_cast<std::size_t>(*f), *d);
}

std::optional<double> accelerator_units(const Model& m, const Series& s, const Window& w,
                                        const std::optional<std::string>& destination,
                                        const std::function<bool(const Product&)>& pick) {
  const auto ts = periods_covering(m, s, w);
  const auto d = destination_index(m, destination);
  if (!ts || !d) return std::nullopt;
  const Variable& v = s.variable("units_sold");
  const std::size_t P = static_cast<std::size_t>(m.n_products()), C = static_cast<std::size_t>(m.n_countries());
  double total = 0;
  for (std::size_t j = 0; j < P; ++j)
    if (m.products[j].kind == ProductKind::accelerator && pick(m.products[j])) total += sum3(v, P, C, *ts, j, *d);
  return total;
}

std::optional<double> product_units(const Model& m, const Series& s, const Window& w, const std::string& product) {
  const auto j = m.product_index(product);
  const auto ts = periods_covering(m, s, w);
  if (!j || !ts) return std::nullopt;
  return sum3(s.variable("units_sold"), static_cast<std::size_t>(m.n_products()), static_cast<std::size_t>(m.n_countries()),
              *ts, static_cast<std::size_t>(*j), std::nullopt);
}

std::optional<double> hbm_revenue(const Model& m, const Series& s, const Window& w) {
  const auto ts = periods_covering(m, s, w);
  if (!ts) return std::nullopt;
  double total = 0;
  bool any = false;
  for (int f = 0; f < m.n_firms(); ++f)
    if (m.firms[static_cast<std::size_t>(f)].kind == ProductKind::hbm) {
      any = true;
      total += sum3(s.variable("revenue"), static_cast<std::size_t>(m.n_firms()), static_cast<std::size_t>(m.n_countries()),
                    *ts, static_cast<std::size_t>(f), std::nullopt);
    }
  return any ? std::optional<double>(total) : std::nullopt;
}

std::optional<double> hbm_stacks_to(const Model& m, const Series& s, const Window& w, const std::string& destination,
                                    const std::function<bool(const Product&)>& pick) {
  const auto c = m.country_index(destination);
  const auto ts = periods_covering(m, s, w);
  if (!c || !ts) return std::nullopt;
  const std::size_t P = static_cast<std::size_t>(m.n_products()), C = static_cast<std::size_t>(m.n_countries());
  double total = 0;
  for (std::size_t j = 0; j < P; ++j)
    if (m.products[j].kind == ProductKind::hbm && pick(m.products[j]))
      total += sum3(s.variable("units_sold"), P, C, *ts, j, static_cast<std::size_t>(*c));
  return total;
}

std::optional<double> element_series(const Model& m, const Series& s, const Window& w, const std::string& variable,
                                     const std::string& dim, const std::string& name, bool per_month, bool sum) {
  const auto ts = periods_covering(m, s, w);
  if (!ts || ts->empty() || !s.has(variable)) return std::nullopt;
  const Variable& v = s.variable(variable);
  if (v.dims.size() != 1 || v.dims[0] != dim) return std::nullopt;  // only a (time x dim) variable has one value per element
  const auto& dims = s.dimensions();
  const auto d = std::find_if(dims.begin(), dims.end(), [&](const Dimension& x) { return x.name == dim; });
  if (d == dims.end()) return std::nullopt;
  const auto it = std::find(d->labels.begin(), d->labels.end(), name);
  if (it == d->labels.end()) return std::nullopt;
  const auto k = static_cast<std::size_t>(it - d->labels.begin());
  if (v.row_size <= k) return std::nullopt;
  double total = 0;
  for (std::size_t p : *ts) total += v.data[p * v.row_size + k];
  if (sum) return total;
  const double mean = total / static_cast<double>(ts->size());
  return per_month ? mean / m.calendar.months_per_period : mean;
}

std::optional<double> ratio(std::optional<double> a, std::optional<double> b) {
  if (!a || !b || *b <= 0) return std::nullopt;
  return *a / *b;
}

}  // namespace chipsim

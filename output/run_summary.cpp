#include "output/run_summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>

namespace chipsim {

namespace {
std::string fmt(const char* f, double v) {
  char buf[64];
  if (std::isnan(v)) return "-";
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
std::string pad(const std::string& s, std::size_t w) { return s.size() >= w ? s : std::string(w - s.size(), ' ') + s; }
}  // namespace

void print_run_summary(const Model& model, const Series& series, const std::string& focus_country, std::ostream& out) {
  const auto focus = model.country_index(focus_country);
  const std::size_t T = series.n_periods();
  const int C = model.n_countries(), F = model.n_firms();
  const auto& revenue = series.variable("revenue");        // (t, firm, destination)
  const auto& ss_compute = series.variable("self_sufficiency_compute");
  const auto& ss_value = series.variable("self_sufficiency_value");
  const auto& ss_units = series.variable("self_sufficiency_units");
  const auto& units = series.variable("units_sold");        // (t, product, destination)
  const auto& stock = series.variable("compute_stock");

  // Calendar years present in the run, in order.
  std::map<int, std::vector<std::size_t>> years;
  for (std::size_t t = 0; t < T; ++t) years[std::stoi(series.time_labels[t].substr(0, 4))].push_back(t);

  out << "chipsim: " << model.name << " (" << series.time_labels.front() << " to " << series.time_labels.back()
      << ", " << T << " periods)\n";
  out << "(compute stocks are at the end of each year, k H100e = thousand H100-equivalents)\n";
  std::vector<int> buyers;  // countries with AI firms, whose compute stock is shown
  for (int k = 0; k < C; ++k)
    for (const AiFirm& a : model.ai_firms)
      if (a.country == k) {
        buyers.push_back(k);
        break;
      }
  if (focus) {
    const int c = *focus;
    out << "\n" << focus_country << " accelerator self-sufficiency (domestic-made share of purchases, year average)\n";
    out << pad("year", 6) << pad("by compute", 12) << pad("by value", 10) << pad("by units", 10) << pad("units bought", 14);
    for (int k : buyers) out << pad(model.countries[k].code + " compute", 14);
    out << "\n" << pad("", 52);
    for (std::size_t k = 0; k < buyers.size(); ++k) out << pad("(k H100e)", 14);
    out << "\n";
    for (const auto& [year, ts] : years) {
      double h = 0, v = 0, u = 0, bought = 0;
      int n = 0;
      for (std::size_t t : ts) {
        const std::size_t q = t * kProductKinds * C + static_cast<std::size_t>(c);
        if (!std::isnan(ss_value.data[q])) h += ss_compute.data[q], v += ss_value.data[q], u += ss_units.data[q], ++n;
        for (int j : model.products_of(ProductKind::accelerator)) bought += units.data[(t * model.n_products() + j) * C + c];
      }
      out << pad(std::to_string(year), 6) << pad(fmt("%.1f%%", n ? 100 * h / n : NAN), 12) << pad(fmt("%.1f%%", n ? 100 * v / n : NAN), 10)
          << pad(fmt("%.1f%%", n ? 100 * u / n : NAN), 10) << pad(fmt("%.0f", bought), 14);
      for (int k : buyers) out << pad(fmt("%.0f", stock.data[ts.back() * C + k] / 1e3), 14);
      out << "\n";
    }
  }

  // Revenue by firm and year: from the focus country and in total (USD billion).
  std::vector<int> firms(F);
  std::iota(firms.begin(), firms.end(), 0);
  out << "\nRevenue by firm, USD billion per year" << (focus ? " (from " + focus_country + " / total)" : "") << "\n";
  out << pad("year", 6);
  for (int f : firms) out << pad(model.firms[f].name, 18);
  out << "\n";
  for (const auto& [year, ts] : years) {
    out << pad(std::to_string(year), 6);
    for (int f : firms) {
      double from_focus = 0, total = 0;
      for (std::size_t t : ts)
        for (int k = 0; k < C; ++k) {
          const double r = revenue.data[(t * F + f) * C + k];
          total += r;
          if (focus && k == *focus) from_focus += r;
        }
      out << pad((focus ? fmt("%.2f", from_focus / 1e9) + " / " : std::string()) + fmt("%.1f", total / 1e9), 18);
    }
    out << "\n";
  }
}

std::string pricing_convergence_warning(const Model& model, const Series& series) {
  const std::vector<double>& residual = series.variable("pricing_residual").data;
  const double tolerance = model.parameters.pricing_tolerance;
  int stuck = 0;
  double worst = 0;
  std::string first;
  for (std::size_t t = 0; t < residual.size(); ++t)
    if (!(residual[t] < tolerance)) {
      if (stuck++ == 0) first = series.time_labels[t];
      worst = std::max(worst, residual[t]);
    }
  if (stuck == 0) return {};
  return "the pricing solver stopped at its iteration cap in " + std::to_string(stuck) + " of " +
         std::to_string(residual.size()) + " periods (first " + first + ", largest relative price change " + fmt("%.2g", worst) +
         " against the tolerance " + fmt("%.2g", tolerance) + "); prices there are approximate: raise " +
         "[parameters].pricing_max_iterations or pricing_tolerance";
}

}  // namespace chipsim

#include "output/summarize.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "output/batch_results.hpp"
#include "output/hdf5_util.hpp"
#include "output/tidy_csv.hpp"

namespace chipsim {

namespace {
struct Table3 {  // (group, statistic, rest...) read from the file
  std::vector<double> v;
  std::size_t S = 9, inner = 1;
  double at(std::size_t g, std::size_t s, std::size_t k) const { return v[(g * S + s) * inner + k]; }
};
std::string num(double v, const char* f = "%.2f") {
  if (std::isnan(v)) return "-";
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}
std::string with_ci(double mean, double lo, double hi, double scale, const char* f) {
  if (std::isnan(mean)) return "-";
  return num(mean * scale, f) + " [" + num(lo * scale, f) + ", " + num(hi * scale, f) + "]";
}
std::string pad(const std::string& s, std::size_t w) { return s.size() >= w ? s : s + std::string(w - s.size(), ' '); }

// Positions of the statistics in a file (by label; files of earlier versions lack the quartiles
// and the bimodality coefficient: -1).
struct StatIndex {
  std::size_t mean = 0, lo = 1, hi = 2, q05 = 3, q50 = 4, q95 = 5;
  int q25 = -1, q75 = -1, bimodality = -1;
  std::size_t count = 6;
};
StatIndex stat_index(const std::vector<std::string>& labels) {
  StatIndex s;
  s.count = labels.size();
  auto at = [&](const char* n) {
    const auto it = std::find(labels.begin(), labels.end(), n);
    return it == labels.end() ? -1 : static_cast<int>(it - labels.begin());
  };
  auto required = [&](const char* n, std::size_t fallback) {
    const int k = at(n);
    return k < 0 ? fallback : static_cast<std::size_t>(k);
  };
  s.mean = required("mean", 0), s.lo = required("ci95_low", 1), s.hi = required("ci95_high", 2);
  s.q05 = required("q05", 3), s.q50 = required("q50", 4), s.q95 = required("q95", 5);
  s.q25 = at("q25"), s.q75 = at("q75"), s.bimodality = at("bimodality");
  return s;
}
// Above this bimodality coefficient (the uniform distribution's, 5/9) the replicates are
// flagged as possibly splitting into clusters: the mean then describes no replicate.
constexpr double kBimodal = 5.0 / 9.0;
}  // namespace

void summarize_batch_file(const std::string& path, const SummarizeOptions& o, std::ostream& out) {
  const BatchResults r = read_batch_file(path);
  if (!r.complete())
    throw IoError(path + ": holds " + std::to_string(r.runs.size()) + " of " + std::to_string(r.design.n_runs()) +
                  " runs (a shard?): merge the shards first");
  h5::Handle file = h5::open_for_reading(path);
  const auto groups = h5::read_strings(file, "group", path);
  const auto firms = r.layout.dimension("firm").labels;
  const auto countries = r.layout.dimension("country").labels;
  const auto& times = r.layout.time_labels;
  const std::size_t T = times.size(), F = firms.size(), C = countries.size(), K = 2;
  const auto focus_it = std::find(countries.begin(), countries.end(), r.design.focus_country);
  if (focus_it == countries.end()) throw IoError(path + ": focus country " + r.design.focus_country + " not in the file");
  const std::size_t c = static_cast<std::size_t>(focus_it - countries.begin());
  const StatIndex si = stat_index(h5::read_strings(file, "statistic", path));
  Table3 ss{h5::read_all<double>(file, "summary_self_sufficiency_compute", H5T_NATIVE_DOUBLE, path), si.count, T * K * C};
  Table3 loss{h5::read_all<double>(file, "summary_cumulative_revenue_loss", H5T_NATIVE_DOUBLE, path), si.count, F};
  Table3 gap{h5::read_all<double>(file, "summary_compute_gap", H5T_NATIVE_DOUBLE, path), si.count, T * C};
  // "mean [CI]  5-95 %: a to b" and a flag when the replicates may split into clusters.
  auto describe = [&](const Table3& tab, std::size_t g, std::size_t e, double scale, const char* f, const std::string& unit = "") {
    std::string s = with_ci(tab.at(g, si.mean, e), tab.at(g, si.lo, e), tab.at(g, si.hi, e), scale, f) + unit;
    if (std::isnan(tab.at(g, si.mean, e))) return s;
    s += "  spread " + num(tab.at(g, si.q05, e) * scale, f) + " to " + num(tab.at(g, si.q95, e) * scale, f) + unit;
    if (si.bimodality >= 0) {
      const double b = tab.at(g, static_cast<std::size_t>(si.bimodality), e);
      if (b > kBimodal) s += "  (bimodal? b=" + num(b, "%.2f") + ")";
    }
    return s;
  };

  std::vector<std::size_t> when;
  if (o.dates.empty()) {
    for (std::size_t k = 1; k <= 3; ++k) when.push_back(std::min(T - 1, k * T / 3 - 1));
  } else {
    for (const std::string& d : o.dates) {
      const auto it = std::find(times.begin(), times.end(), d);
      if (it == times.end()) throw IoError(path + ": date " + d + " is not a period of the batch (" + times.front() + " to " + times.back() + ")");
      when.push_back(static_cast<std::size_t>(it - times.begin()));
    }
  }
  // Design of each group (variant, point) and run: tidy columns instead of "history@3".
  const BatchDesign& d = r.design;
  const std::size_t P = d.point_values.size();
  auto design_fields = [&](std::size_t v, std::size_t p) {
    std::vector<std::string> f{csv_field(d.variant_names[v]), std::to_string(p)};
    for (std::size_t q = 0; q < d.parameter_paths.size(); ++q) f.push_back(csv_number(d.point_values[p][q], true));
    return f;
  };
  auto baseline_of = [&](std::size_t v) {
    const int b = d.variant_baseline[v];
    return b < 0 ? std::string() : csv_field(d.variant_names[static_cast<std::size_t>(b)]);
  };
  std::vector<std::string> parameter_columns;
  for (const std::string& p : d.parameter_paths) parameter_columns.push_back(csv_field(p));
  if (o.per_run) {
    // One row per (run, metric, date or firm): the replicates' own outcomes.
    std::vector<std::string> header{"variant", "point"};
    header.insert(header.end(), parameter_columns.begin(), parameter_columns.end());
    for (const char* h : {"replicate", "seed", "baseline", "metric", "country", "firm", "date", "value", "unit"}) header.push_back(h);
    csv_record(out, header);
    const auto ss_runs = h5::read_all<double>(file, "self_sufficiency_compute", H5T_NATIVE_DOUBLE, path);  // run x T x K x C
    const auto loss_runs = h5::read_all<double>(file, "revenue_loss", H5T_NATIVE_DOUBLE, path);            // run x T x F
    const auto gap_runs = h5::read_all<double>(file, "compute_gap", H5T_NATIVE_DOUBLE, path);              // run x T x C
    for (std::size_t n = 0; n < static_cast<std::size_t>(d.n_runs()); ++n) {
      const auto v = static_cast<std::size_t>(d.run_variant[n]), p = static_cast<std::size_t>(d.run_point[n]);
      auto row = [&](const std::string& metric, const std::string& country, const std::string& firm, const std::string& date,
                     double value, const char* unit) {
        std::vector<std::string> f = design_fields(v, p);
        f.insert(f.end(), {std::to_string(d.run_replicate[n]), std::to_string(d.run_seed[n]), baseline_of(v), metric,
                           csv_field(country), csv_field(firm), date, csv_number(value, true), unit});
        csv_record(out, f);
      };
      for (std::size_t t : when)
        for (std::size_t k = 0; k < K; ++k)
          row(k == 0 ? "self_sufficiency_accelerator" : "self_sufficiency_hbm", countries[c], "", times[t],
              ss_runs[((n * T + t) * K + k) * C + c], "share");
      for (std::size_t f = 0; f < F; ++f) {
        double total = 0;
        for (std::size_t t = 0; t < T; ++t) total += loss_runs[(n * T + t) * F + f];
        row("cumulative_revenue_loss", "", firms[f], "", total, "USD");
      }
      for (std::size_t t : when) row("compute_gap", countries[c], "", times[t], gap_runs[(n * T + t) * C + c], "H100e");
    }
    return;
  }
  if (o.csv) {
    // One row per (variant, sweep point, metric, date or firm): the summaries across replicates.
    std::vector<std::string> header{"variant", "point"};
    header.insert(header.end(), parameter_columns.begin(), parameter_columns.end());
    for (const char* h : {"replicates", "baseline", "metric", "country", "firm", "date", "mean", "ci95_low", "ci95_high", "q05",
                          "q25", "q50", "q75", "q95", "bimodality", "unit"})
      header.push_back(h);
    csv_record(out, header);
    for (std::size_t g = 0; g < groups.size(); ++g) {
      const std::size_t v = g / P, p = g % P;
      auto row = [&](const std::string& metric, const std::string& country, const std::string& firm, const std::string& date,
                     const Table3& tab, std::size_t e, const char* unit) {
        std::vector<std::string> f = design_fields(v, p);
        f.insert(f.end(), {std::to_string(d.replicates), baseline_of(v), metric, csv_field(country), csv_field(firm), date});
        for (int q : {static_cast<int>(si.mean), static_cast<int>(si.lo), static_cast<int>(si.hi), static_cast<int>(si.q05), si.q25,
                      static_cast<int>(si.q50), si.q75, static_cast<int>(si.q95), si.bimodality})
          f.push_back(q < 0 ? std::string() : csv_number(tab.at(g, static_cast<std::size_t>(q), e), true));
        f.push_back(unit);
        csv_record(out, f);
      };
      for (std::size_t t : when)
        for (std::size_t k = 0; k < K; ++k)
          row(k == 0 ? "self_sufficiency_accelerator" : "self_sufficiency_hbm", countries[c], "", times[t], ss,
              (t * K + k) * C + c, "share");
      for (std::size_t f = 0; f < F; ++f) row("cumulative_revenue_loss", "", firms[f], "", loss, f, "USD");
      for (std::size_t t : when) row("compute_gap", countries[c], "", times[t], gap, t * C + c, "H100e");
    }
    return;
  }
  out << "chipsim summarize: " << r.design.experiment_name << " (" << r.design.n_runs() << " runs, " << r.design.replicates
      << " replicates per variant)\n"
      << "mean [95% confidence interval of the mean: Monte Carlo error]  spread: 5 % to 95 % quantile of the replicates' outcomes\n"
      << (r.design.draw_paths.empty()
              ? std::string()
              : "(parameters drawn per replicate: " + std::to_string(r.design.draw_paths.size()) +
                    " keys, [uncertainty]; the spread is a predictive interval that includes their uncertainty, the bracket is Monte Carlo error only)\n")
      << "(bimodal? b=...: the replicates may split into clusters, bimodality coefficient above 5/9; the mean then describes none of them)\n";
  for (std::size_t g = 0; g < groups.size(); ++g) {
    out << "\n== " << groups[g] << " ==\n";
    out << "  " << countries[c] << " self-sufficiency (by compute; HBM by stacks):";
    for (std::size_t t : when) {
      const std::size_t a = (t * K + 0) * C + c, h = (t * K + 1) * C + c;
      out << "\n    " << times[t] << "  accelerators " << pad(describe(ss, g, a, 100, "%.1f", " %"), 56)
          << "  HBM " << describe(ss, g, h, 100, "%.1f", " %");
    }
    out << "\n  cumulative revenue loss vs baseline, USD bn:";
    if (std::isnan(loss.at(g, si.mean, 0))) out << " - (no baseline: this is one)";
    else
      for (std::size_t f = 0; f < F; ++f)
        out << "\n    " << pad(firms[f], 12) << describe(loss, g, f, 1e-9, "%.1f");
    out << "\n  " << countries[c] << " compute gap vs baseline, thousand H100e:";
    for (std::size_t t : when)
      out << "\n    " << times[t] << "  " << describe(gap, g, t * C + c, 1e-3, "%.0f");
    out << "\n";
  }
}

}  // namespace chipsim

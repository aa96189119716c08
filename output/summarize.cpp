#include "output/summarize.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "output/batch_results.hpp"
#include "output/hdf5_util.hpp"

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
  h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
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
  if (o.csv) {
    out << "group,metric,key,mean,ci95_low,ci95_high,q05,q25,q50,q75,q95,bimodality,unit\n";
    auto rest = [&](const Table3& tab, std::size_t g, std::size_t e) {
      std::string s;
      for (int q : {static_cast<int>(si.q05), si.q25, static_cast<int>(si.q50), si.q75, static_cast<int>(si.q95), si.bimodality})
        s += "," + (q < 0 ? std::string() : num(tab.at(g, static_cast<std::size_t>(q), e), "%.6g"));
      return s;
    };
    for (std::size_t g = 0; g < groups.size(); ++g) {
      for (std::size_t t : when)
        for (std::size_t k = 0; k < K; ++k) {
          const std::size_t e = (t * K + k) * C + c;
          out << groups[g] << ",self_sufficiency_" << (k == 0 ? "accelerator" : "hbm") << "_" << countries[c] << "," << times[t]
              << "," << num(ss.at(g, si.mean, e), "%.6g") << "," << num(ss.at(g, si.lo, e), "%.6g") << "," << num(ss.at(g, si.hi, e), "%.6g") << rest(ss, g, e) << ",share\n";
        }
      for (std::size_t f = 0; f < F; ++f)
        out << groups[g] << ",cumulative_revenue_loss," << firms[f] << "," << num(loss.at(g, si.mean, f), "%.6g") << ","
            << num(loss.at(g, si.lo, f), "%.6g") << "," << num(loss.at(g, si.hi, f), "%.6g") << rest(loss, g, f) << ",USD\n";
      for (std::size_t t : when)
        out << groups[g] << ",compute_gap_" << countries[c] << "," << times[t] << "," << num(gap.at(g, si.mean, t * C + c), "%.6g") << ","
            << num(gap.at(g, si.lo, t * C + c), "%.6g") << "," << num(gap.at(g, si.hi, t * C + c), "%.6g") << rest(gap, g, t * C + c) << ",H100e\n";
    }
    return;
  }
  out << "chipsim summarize: " << r.design.experiment_name << " (" << r.design.n_runs() << " runs, " << r.design.replicates
      << " replicates per variant)\n"
      << "mean [95% confidence interval of the mean: Monte Carlo error]  spread: 5 % to 95 % quantile of the replicates' outcomes\n"
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

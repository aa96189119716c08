#include "calibration/sensitivity.hpp"

#include <boost/random/sobol.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "sim/core/rng.hpp"

namespace chipsim {

namespace {
double draw(std::uint64_t seed, std::uint64_t a, std::uint64_t b, std::uint64_t k) {
  return uniform01(RandomKey{seed, 0}, a, b, RandomPurpose::sweep_design, k);
}
double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}
}  // namespace

MorrisDesign morris_design(int k, int r, int p, std::uint64_t seed) {
  if (k < 1 || r < 2 || p < 2 || p % 2 != 0)
    throw std::invalid_argument("Morris design: needs factors >= 1, trajectories >= 2 and an even number of levels >= 2");
  MorrisDesign d;
  d.factors = k, d.trajectories = r, d.levels = p;
  d.delta = static_cast<double>(p) / (2.0 * (p - 1));
  const int starts = p / 2;  // base levels 0 .. p/2 - 1: x + delta stays in [0, 1]
  for (int t = 0; t < r; ++t) {
    const auto tt = static_cast<std::uint64_t>(t);
    std::vector<double> x(static_cast<std::size_t>(k));
    std::vector<double> dir(static_cast<std::size_t>(k));
    for (int i = 0; i < k; ++i) {
      const auto level = std::min(starts - 1, static_cast<int>(draw(seed, tt, 0, static_cast<std::uint64_t>(i)) * starts));
      const bool up = draw(seed, tt, 1, static_cast<std::uint64_t>(i)) < 0.5;
      x[static_cast<std::size_t>(i)] = level / static_cast<double>(p - 1) + (up ? 0.0 : d.delta);
      dir[static_cast<std::size_t>(i)] = up ? d.delta : -d.delta;
    }
    std::vector<int> order(static_cast<std::size_t>(k));
    std::iota(order.begin(), order.end(), 0);
    for (int i = k - 1; i > 0; --i) {  // Fisher-Yates
      const int j = std::min(i, static_cast<int>(draw(seed, tt, 2, static_cast<std::uint64_t>(i)) * (i + 1)));
      std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
    }
    d.points.push_back(x);
    for (int i : order) {
      x[static_cast<std::size_t>(i)] += dir[static_cast<std::size_t>(i)];
      d.points.push_back(x);
      d.moved.push_back(i);
      d.step.push_back(dir[static_cast<std::size_t>(i)]);
    }
  }
  return d;
}

MorrisIndices morris_indices(const MorrisDesign& d, const std::vector<double>& y) {
  if (y.size() != d.points.size()) throw std::invalid_argument("Morris indices: one output per design point is needed");
  const auto k = static_cast<std::size_t>(d.factors);
  std::vector<std::vector<double>> ee(k);
  for (int t = 0; t < d.trajectories; ++t)
    for (int s = 0; s < d.factors; ++s) {
      const std::size_t at = static_cast<std::size_t>(t * (d.factors + 1) + s);
      const std::size_t m = static_cast<std::size_t>(t * d.factors + s);
      const double effect = (y[at + 1] - y[at]) / d.step[m];
      // A point without a value (an output beyond the horizon, a point whose scenario does not
      // load) leaves out the effects it takes part in.
      if (std::isfinite(effect)) ee[static_cast<std::size_t>(d.moved[m])].push_back(effect);
    }
  MorrisIndices out;
  for (const auto& e : ee) {
    const double n = static_cast<double>(e.size());
    if (e.empty()) {
      out.mu.push_back(std::nan("")), out.mu_star.push_back(std::nan("")), out.sigma.push_back(std::nan(""));
      continue;
    }
    double mu = 0, mu_star = 0;
    for (double v : e) mu += v / n, mu_star += std::abs(v) / n;
    double var = 0;
    for (double v : e) var += n > 1 ? (v - mu) * (v - mu) / (n - 1) : 0.0;
    out.mu.push_back(mu);
    out.mu_star.push_back(mu_star);
    out.sigma.push_back(std::sqrt(var));
  }
  return out;
}

SaltelliDesign saltelli_design(int k, int n) {
  if (k < 1 || n < 2) throw std::invalid_argument("Saltelli design: needs factors >= 1 and samples >= 2");
  SaltelliDesign d;
  d.factors = k, d.samples = n;
  boost::random::sobol engine(static_cast<std::size_t>(2 * k));  // starts after the origin
  const double scale = 1.0 / (static_cast<double>(engine.max()) + 1.0);
  std::vector<std::vector<double>> a(static_cast<std::size_t>(n)), b(static_cast<std::size_t>(n));
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < 2 * k; ++i) (i < k ? a : b)[static_cast<std::size_t>(j)].push_back(static_cast<double>(engine()) * scale);
  }
  d.points = a;
  d.points.insert(d.points.end(), b.begin(), b.end());
  for (int i = 0; i < k; ++i)
    for (int j = 0; j < n; ++j) {
      auto row = a[static_cast<std::size_t>(j)];
      row[static_cast<std::size_t>(i)] = b[static_cast<std::size_t>(j)][static_cast<std::size_t>(i)];
      d.points.push_back(std::move(row));
    }
  return d;
}

namespace {
// S1 and ST of every factor from the rows `rows` (indices into 0 .. N-1).
void estimate(const SaltelliDesign& d, const std::vector<double>& y, const std::vector<std::size_t>& rows, std::vector<double>& s1,
              std::vector<double>& st, double& variance) {
  const auto n = static_cast<std::size_t>(d.samples);
  const double m = static_cast<double>(rows.size());
  double mean = 0;
  for (std::size_t j : rows) mean += (y[j] + y[n + j]) / (2 * m);
  variance = 0;
  for (std::size_t j : rows) variance += ((y[j] - mean) * (y[j] - mean) + (y[n + j] - mean) * (y[n + j] - mean)) / (2 * m - 1);
  s1.assign(static_cast<std::size_t>(d.factors), 0.0);
  st.assign(static_cast<std::size_t>(d.factors), 0.0);
  for (std::size_t i = 0; i < static_cast<std::size_t>(d.factors); ++i) {
    double vi = 0, ei = 0;
    for (std::size_t j : rows) {
      const double fa = y[j], fb = y[n + j], fab = y[(2 + i) * n + j];
      vi += fb * (fab - fa) / m;
      ei += (fa - fab) * (fa - fab) / (2 * m);
    }
    s1[i] = variance > 0 ? vi / variance : 0.0;
    st[i] = variance > 0 ? ei / variance : 0.0;
  }
}
}  // namespace

SobolIndices sobol_indices(const SaltelliDesign& d, const std::vector<double>& y, int bootstrap, std::uint64_t seed) {
  const auto n = static_cast<std::size_t>(d.samples), k = static_cast<std::size_t>(d.factors);
  if (y.size() != n * (k + 2)) throw std::invalid_argument("Sobol indices: one output per design point is needed");
  SobolIndices out;
  std::vector<std::size_t> rows(n);
  std::iota(rows.begin(), rows.end(), 0);
  estimate(d, y, rows, out.first, out.total, out.variance);
  std::vector<std::vector<double>> s1(k), st(k);
  for (int b = 0; b < bootstrap; ++b) {
    for (std::size_t j = 0; j < n; ++j)
      rows[j] = std::min(n - 1, static_cast<std::size_t>(draw(seed, static_cast<std::uint64_t>(b), 3, j) * static_cast<double>(n)));
    std::vector<double> a, t;
    double v = 0;
    estimate(d, y, rows, a, t, v);
    for (std::size_t i = 0; i < k; ++i) s1[i].push_back(a[i]), st[i].push_back(t[i]);
  }
  for (std::size_t i = 0; i < k; ++i) {
    out.first_low.push_back(bootstrap > 1 ? percentile(s1[i], 0.025) : out.first[i]);
    out.first_high.push_back(bootstrap > 1 ? percentile(s1[i], 0.975) : out.first[i]);
    out.total_low.push_back(bootstrap > 1 ? percentile(st[i], 0.025) : out.total[i]);
    out.total_high.push_back(bootstrap > 1 ? percentile(st[i], 0.975) : out.total[i]);
  }
  return out;
}

}  // namespace chipsim

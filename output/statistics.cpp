#include "output/statistics.hpp"

#include <boost/math/distributions/students_t.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace chipsim {

const std::vector<std::string>& summary_statistic_names() {
  static const std::vector<std::string> names = {"mean", "ci95_low", "ci95_high", "q05", "q50", "q95",
                                                  "q25", "q75", "bimodality"};
  return names;
}

// Summary statistics of a sample (NaNs dropped): mean with its 95 % confidence interval
// (Student t), the 5/50/95 and 25/75 % quantiles (linear interpolation between order
// statistics) and the bimodality coefficient.
std::vector<double> summarise(std::vector<double> x) {
  x.erase(std::remove_if(x.begin(), x.end(), [](double v) { return std::isnan(v); }), x.end());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (x.empty()) return std::vector<double>(summary_statistic_names().size(), nan);
  std::sort(x.begin(), x.end());
  const double n = static_cast<double>(x.size());
  double mean = 0;
  for (double v : x) mean += v;
  mean /= n;
  double half = nan;
  if (x.size() > 1) {
    double ss = 0;
    for (double v : x) ss += (v - mean) * (v - mean);
    const double sd = std::sqrt(ss / (n - 1));
    const boost::math::students_t t(n - 1);
    half = boost::math::quantile(boost::math::complement(t, 0.025)) * sd / std::sqrt(n);
  }  // one replicate: no interval (NaN)
  auto q = [&](double p) {
    const double h = (n - 1) * p;
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const std::size_t hi = std::min(lo + 1, x.size() - 1);
    return x[lo] + (h - static_cast<double>(lo)) * (x[hi] - x[lo]);
  };
  // Bimodality coefficient b = (g^2 + 1) / (k + 3 (n - 1)^2 / ((n - 2)(n - 3))) with the sample
  // skewness g and excess kurtosis k (both bias-corrected; SAS Institute 1990; Pfister et al. 2013,
  // "Good things peak in pairs", Front. Psychol. 4:700). b > 5/9 (the uniform's value) suggests
  // two clusters. Needs n >= 4 and some spread; NaN otherwise.
  double bimodality = nan;
  if (x.size() >= 4) {
    double m2 = 0, m3 = 0, m4 = 0;
    for (double v : x) {
      const double d = v - mean;
      m2 += d * d, m3 += d * d * d, m4 += d * d * d * d;
    }
    m2 /= n, m3 /= n, m4 /= n;
    // No spread (equal outcomes up to rounding): no coefficient.
    if (x.back() - x.front() > 1e-12 * std::max(1.0, std::abs(mean)) && std::isfinite(m2)) {
      const double g1 = m3 / std::pow(m2, 1.5), g2 = m4 / (m2 * m2) - 3.0;
      const double skew = std::sqrt(n * (n - 1)) / (n - 2) * g1;
      const double kurt = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * g2 + 6);
      bimodality = (skew * skew + 1) / (kurt + 3 * (n - 1) * (n - 1) / ((n - 2) * (n - 3)));
    }
  }
  return {mean, mean - half, mean + half, q(0.05), q(0.5), q(0.95), q(0.25), q(0.75), bimodality};
}

}  // namespace chipsim

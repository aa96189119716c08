#include "output/statistics.hpp"

#include <boost/math/distributions/students_t.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace chipsim {

const std::vector<std::string>& summary_statistic_names() {
  static const std::vector<std::string> names = {"mean", "ci95_low", "ci95_high", "q05", "q50", "q95"};
  return names;
}

// Summary statistics of a sample (NaNs dropped): mean with its 95 % confidence interval
// (Student t) and the 5/50/95 % quantiles (linear interpolation between order statistics).
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
  return {mean, mean - half, mean + half, q(0.05), q(0.5), q(0.95)};
}

}  // namespace chipsim

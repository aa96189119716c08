// Summary statistics across replicates: quantiles and the bimodality coefficient.
#include <catch2/catch.hpp>

#include <cmath>

#include "output/statistics.hpp"

using namespace chipsim;

namespace {
double stat(const std::vector<double>& s, const char* name) {
  const auto& names = summary_statistic_names();
  for (std::size_t k = 0; k < names.size(); ++k)
    if (names[k] == name) return s[k];
  FAIL("no statistic " << name);
  return 0;
}
}  // namespace

TEST_CASE("summary statistics: quartiles, and the bimodality coefficient flags two clusters", "[statistics]") {
  std::vector<double> uniform, two_clusters, bell;
  for (int k = 0; k < 101; ++k) uniform.push_back(k / 100.0);
  for (int k = 0; k < 20; ++k) two_clusters.push_back(k < 10 ? 20.0 + 0.1 * k : 58.0 + 0.1 * k);  // "20 or 58"
  // A bell: the standard normal's quantiles at (k + 0.5) / 200 (by bisection on erfc).
  for (int k = 0; k < 200; ++k) {
    const double p = (k + 0.5) / 200.0;
    double lo = -10, hi = 10;
    for (int i = 0; i < 200; ++i) {
      const double mid = 0.5 * (lo + hi);
      (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
    }
    bell.push_back(0.5 * (lo + hi));
  }
  const auto u = summarise(uniform), t = summarise(two_clusters), b = summarise(bell);
  CHECK(stat(u, "q25") == Approx(0.25));
  CHECK(stat(u, "q75") == Approx(0.75));
  CHECK(stat(u, "bimodality") == Approx(5.0 / 9.0).epsilon(0.06));  // the uniform sits near the threshold
  CHECK(stat(t, "bimodality") > 5.0 / 9.0);                         // two clusters: flagged
  CHECK(stat(b, "bimodality") < 0.4);                                // a bell: about 1/3
  CHECK(std::isnan(stat(summarise({1.0, 2.0, 3.0}), "bimodality")));  // too few replicates
  CHECK(std::isnan(stat(summarise({2.0, 2.0, 2.0, 2.0}), "bimodality")));  // no spread
  CHECK(std::isnan(stat(summarise(std::vector<double>(20, 0.3)), "bimodality")));  // none, even with rounding in the mean
}

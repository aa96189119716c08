// Sensitivity estimators against functions with known indices (calibration/sensitivity.hpp):
// Ishigami (Ishigami & Homma 1990; indices in Saltelli et al. 2008, "Global Sensitivity Analysis:
// The Primer", §4.8) and Sobol's g-function (Saltelli & Sobol' 1995), and Morris elementary
// effects on a function whose effects are known exactly.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "calibration/sensitivity.hpp"

using namespace chipsim;

namespace {
constexpr double kPi = 3.14159265358979323846;

double ishigami(const std::vector<double>& u, double a = 7, double b = 0.1) {
  const double x1 = -kPi + 2 * kPi * u[0], x2 = -kPi + 2 * kPi * u[1], x3 = -kPi + 2 * kPi * u[2];
  return std::sin(x1) + a * std::sin(x2) * std::sin(x2) + b * std::pow(x3, 4) * std::sin(x1);
}

// The estimate is within its 95 % bootstrap interval of the truth, widened by a small absolute
// margin (the interval of an index near 0 can exclude 0 by rounding).
void check_within(double truth, double low, double high, double margin = 0.01) {
  CHECK(truth >= low - margin);
  CHECK(truth <= high + margin);
}
}  // namespace

TEST_CASE("Sobol indices of the Ishigami function match the analytic values within the bootstrap interval", "[sensitivity]") {
  const double a = 7, b = 0.1;
  const double v1 = 0.5 * std::pow(1 + b * std::pow(kPi, 4) / 5, 2), v2 = a * a / 8,
               v13 = b * b * std::pow(kPi, 8) * (1.0 / 18 - 1.0 / 50);
  const double v = v1 + v2 + v13;
  const std::vector<double> s1 = {v1 / v, v2 / v, 0.0}, st = {(v1 + v13) / v, v2 / v, v13 / v};
  CHECK(s1[0] == Approx(0.3139).margin(1e-4));  // the published values (Saltelli et al. 2008)
  CHECK(st[2] == Approx(0.2437).margin(1e-4));
  const SaltelliDesign d = saltelli_design(3, 4096);
  REQUIRE(d.points.size() == 4096u * 5);
  std::vector<double> y;
  for (const auto& p : d.points) y.push_back(ishigami(p));
  const SobolIndices r = sobol_indices(d, y, 500, 11);
  for (std::size_t i = 0; i < 3; ++i) {
    INFO("factor " << i << ": S1 " << r.first[i] << " [" << r.first_low[i] << ", " << r.first_high[i] << "], ST " << r.total[i]
                   << " [" << r.total_low[i] << ", " << r.total_high[i] << "]");
    check_within(s1[i], r.first_low[i], r.first_high[i]);
    check_within(st[i], r.total_low[i], r.total_high[i]);
    CHECK(r.first_high[i] - r.first_low[i] < 0.1);  // the intervals are informative
  }
}

TEST_CASE("Sobol indices of Sobol's g-function match the analytic values within the bootstrap interval", "[sensitivity]") {
  const std::vector<double> a = {0, 1, 4.5, 9, 99, 99, 99, 99};
  std::vector<double> vi;
  double prod = 1;
  for (double x : a) vi.push_back(1.0 / (3 * (1 + x) * (1 + x))), prod *= 1 + vi.back();
  const double v = prod - 1;
  const SaltelliDesign d = saltelli_design(8, 4096);
  std::vector<double> y;
  for (const auto& p : d.points) {
    double g = 1;
    for (std::size_t i = 0; i < a.size(); ++i) g *= (std::abs(4 * p[i] - 2) + a[i]) / (1 + a[i]);
    y.push_back(g);
  }
  const SobolIndices r = sobol_indices(d, y, 500, 12);
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double s1 = vi[i] / v, st = vi[i] * prod / (1 + vi[i]) / v;
    INFO("factor " << i << ": S1 " << s1 << " vs " << r.first[i] << ", ST " << st << " vs " << r.total[i]);
    check_within(s1, r.first_low[i], r.first_high[i]);
    check_within(st, r.total_low[i], r.total_high[i]);
  }
  CHECK(r.first[0] > r.first[1]);  // the ranking: a smaller a_i, a more important factor
  CHECK(r.total[1] > r.total[3]);
}

TEST_CASE("Morris elementary effects are exact for a function with known effects", "[sensitivity]") {
  // y = 3 x0 - 2 x1 + x2 x3 (per unit of the normalised range): EE of x0 is 3 everywhere, of x1
  // -2, of x2 the current x3 (varies), of x4 0.
  const MorrisDesign d = morris_design(5, 20, 4, 7);
  REQUIRE(d.points.size() == 20u * 6);
  std::vector<double> y;
  for (const auto& p : d.points) {
    for (double x : p) REQUIRE((x >= -1e-12 && x <= 1 + 1e-12));
    y.push_back(3 * p[0] - 2 * p[1] + p[2] * p[3]);
  }
  const MorrisIndices m = morris_indices(d, y);
  CHECK(m.mu[0] == Approx(3).epsilon(1e-12));
  CHECK(m.sigma[0] == Approx(0).margin(1e-9));
  CHECK(m.mu_star[1] == Approx(2).epsilon(1e-12));
  CHECK(m.mu[1] == Approx(-2).epsilon(1e-12));
  CHECK(m.mu_star[4] == 0);
  CHECK(m.sigma[2] > 0);  // an interaction: the effect depends on where it is taken
  CHECK(m.mu_star[0] > m.mu_star[1]);
  CHECK(m.mu_star[1] > m.mu_star[2]);
  // Every trajectory moves each factor exactly once.
  for (int t = 0; t < 20; ++t) {
    std::vector<int> seen(5, 0);
    for (int s = 0; s < 5; ++s) ++seen[static_cast<std::size_t>(d.moved[static_cast<std::size_t>(t * 5 + s)])];
    for (int c : seen) CHECK(c == 1);
  }
  // The same seed gives the same design; bad sizes are refused.
  CHECK(morris_design(5, 20, 4, 7).points == d.points);
  CHECK_THROWS_AS(morris_design(5, 1, 4, 7), std::invalid_argument);
  CHECK_THROWS_AS(morris_design(5, 4, 3, 7), std::invalid_argument);
  CHECK_THROWS_AS(morris_indices(d, std::vector<double>(3)), std::invalid_argument);
}

TEST_CASE("Morris indices leave out the effects of points without a value", "[sensitivity]") {
  // y = 3 x0 - 2 x1; the first point of every trajectory has no value (NaN): the effects that use
  // it are left out, the others stay exact; an output without any value has NaN indices.
  const MorrisDesign d = morris_design(2, 10, 4, 3);
  std::vector<double> y, none(d.points.size(), std::nan(""));
  for (std::size_t i = 0; i < d.points.size(); ++i)
    y.push_back(i % 3 == 0 ? std::nan("") : 3 * d.points[i][0] - 2 * d.points[i][1]);
  const MorrisIndices m = morris_indices(d, y);
  CHECK(m.mu[0] == Approx(3).epsilon(1e-12));
  CHECK(m.mu[1] == Approx(-2).epsilon(1e-12));
  const MorrisIndices empty = morris_indices(d, none);
  CHECK(std::isnan(empty.mu_star[0]));
  CHECK(std::isnan(empty.sigma[1]));
}

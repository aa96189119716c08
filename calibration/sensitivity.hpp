#pragma once
// Global sensitivity analysis (issue 17 item 3; docs/MODEL_NOTES.md "Sensitivity"): Morris
// elementary effects to screen many parameters, and Sobol first-order and total indices with
// bootstrap intervals on a few. Designs live in the unit cube [0, 1]^k (callers scale them to the
// parameters' ranges); the model is evaluated elsewhere (the batch engine), and the estimators
// take the outputs in design order.
#include <cstdint>
#include <vector>

namespace chipsim {

// Morris (1991) one-at-a-time trajectories on a p-level grid, step delta = p / (2 (p - 1)):
// r trajectories of k + 1 points each, every step moving one factor by +-delta (the factors in
// a random order, the directions at random; counter-based draws keyed by `seed`).
struct MorrisDesign {
  int factors = 0, trajectories = 0, levels = 0;
  double delta = 0;
  std::vector<std::vector<double>> points;  // (trajectories x (factors + 1)) x factors, trajectory-major
  std::vector<int> moved;                   // per step (trajectories x factors): the factor that moved
  std::vector<double> step;                 // per step: +delta or -delta
};
// Throws std::invalid_argument unless factors >= 1, trajectories >= 2, levels >= 2 and even.
MorrisDesign morris_design(int factors, int trajectories, int levels, std::uint64_t seed);

// Elementary effects EE = (y(x + step e_i) - y(x)) / step (per unit of the normalised range):
// mu (mean), mu_star (mean |EE|, Campolongo et al. 2007) and sigma (standard deviation, n - 1)
// per factor. `y` has one value per design point; throws std::invalid_argument on a size mismatch.
struct MorrisIndices {
  std::vector<double> mu, mu_star, sigma;
};
MorrisIndices morris_indices(const MorrisDesign& design, const std::vector<double>& y);

// Saltelli (2002, 2010) design: matrices A and B (N rows each, from one Sobol sequence of dimension
// 2k: A its first k coordinates, B its last k, the origin skipped), then A_B^i for each factor i
// (A with column i from B). Rows: A (N), B (N), A_B^1 (N), ..., A_B^k (N) = N (k + 2) points.
struct SaltelliDesign {
  int factors = 0, samples = 0;
  std::vector<std::vector<double>> points;
};
// Throws std::invalid_argument unless factors >= 1 and samples >= 2.
SaltelliDesign saltelli_design(int factors, int samples);

// First-order S1 (Saltelli et al. 2010: V_i = mean(f(B) (f(A_B^i) - f(A)))) and total ST (Jansen
// 1999: mean((f(A) - f(A_B^i))^2) / 2), both over Var(Y) from A and B together, with 95 %
// percentile intervals from `bootstrap` resamples of the N rows (counter-based, keyed by `seed`).
struct SobolIndices {
  std::vector<double> first, total;
  std::vector<double> first_low, first_high, total_low, total_high;
  double variance = 0;
};
SobolIndices sobol_indices(const SaltelliDesign& design, const std::vector<double>& y, int bootstrap, std::uint64_t seed);

}  // namespace chipsim

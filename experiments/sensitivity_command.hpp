#pragma once
// `chipsim sensitivity FILE` (issue 17 item 3; docs/EXPERIMENTS.md "Sensitivity"): a Morris screen
// or Sobol indices of the headline outputs of a scenario over declared parameter ranges. Every
// design point runs the scenario and its baseline with the same seed (common random numbers), in
// parallel with oneTBB and, under mpirun/srun, across ranks (experiments/task_pool.hpp; results
// do not depend on the thread or rank count). Outputs: China's
// self-sufficiency by compute averaged over 2025 and over 2030, and each firm's cumulative revenue
// loss against the baseline (USD bn); without a baseline, one run per point and each firm's
// cumulative revenue.
#include <ostream>
#include <string>
#include <vector>

namespace chipsim {

struct SensitivityOptions {
  std::string spec_path;
  std::string csv_path;  // optional: tidy table of every index
  int threads = 0;       // 0: all cores
};

struct SensitivityResult {
  std::string name, method;
  std::vector<std::string> parameters, outputs;
  std::vector<std::string> skipped;  // ASSUMPTION keys left out of an `assumptions = true` screen
  int failed_points = 0;             // design points whose scenario did not load (outputs NaN)
  // (output x parameter): Morris mu, mu_star, sigma; Sobol first, total and their 95 % intervals.
  std::vector<std::vector<double>> mu, mu_star, sigma, first, total, first_low, first_high, total_low, total_high;
  int runs = 0;          // model runs (design points x 2 with a baseline, x 1 without)
  double seconds = 0;
};

// Reads the file (errors located: ScenarioError), runs the design, computes the indices.
SensitivityResult run_sensitivity(const SensitivityOptions& options);
void print_sensitivity(const SensitivityResult& r, std::ostream& out, int top = 10);
void write_sensitivity_csv(const SensitivityResult& r, const std::string& path);  // throws IoError

}  // namespace chipsim

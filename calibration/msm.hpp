#pragma once
// The method of simulated moments (docs/CALIBRATION.md; McFadden 1989, Pakes and Pollard 1989;
// Gourieroux and Monfort 1996, ch. 2). Independent of chipsim's model: a Simulator maps
// parameter points to moments per replicate (common random numbers: replicate r uses the same
// random numbers at every point), and estimate_msm
//   - minimises Q(theta) = e' W e, e = mean over replicates of the simulated moments - targets,
//     with W = diag(1 / se^2) from the moments' stated uncertainties (first step), by a global
//     search (NLopt: CRS2, DIRECT-L or ISRES) then a local one (BOBYQA, Nelder-Mead, Sbplx),
//     over the box of the parameters' bounds (log-scaled where declared);
//   - optionally re-weights with the optimal W = Omega^-1 and searches locally again (two-step),
//     Omega = diag(se^2) + S / R, S the replicates' covariance of the moments (simulation noise);
//   - reports the sandwich covariance (G'WG)^-1 G'W Omega W G (G'WG)^-1 with G the simulated
//     Jacobian (central differences under common random numbers), the J statistic
//     e' (P Omega P')^+ e ~ chi2(M - K) (P = I - G (G'WG)^-1 G'W; e' Omega^-1 e under optimal
//     weighting) with its p-value, and a profile of Q along each parameter.
#include <Eigen/Dense>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace chipsim {

struct MsmParameter {
  std::string name;
  double min = 0, max = 1;  // bounds (natural units); min > 0 when log_scale
  bool log_scale = false;   // searched on log(theta)
  double start = 0;         // start of the local search when there is no global one (natural units)
};

struct MsmSettings {
  int replicates = 10;
  std::string global_algorithm = "crs2";  // crs2 | direct | isres | none
  int global_evaluations = 200;
  std::string local_algorithm = "bobyqa";  // bobyqa | neldermead | sbplx | none
  int local_evaluations = 200;
  double x_tolerance = 1e-4;    // relative, on the unit box
  bool optimal_weighting = false;
  int profile_points = 9;       // per parameter, across its bounds (0: no profile)
  double jacobian_step = 0.01;  // central-difference step, share of each parameter's (log) range
  std::uint64_t seed = 1;       // NLopt's stochastic global searches
};

// Simulates every point (natural units, K each); returns for each point a (replicates x M)
// matrix of moments, NaN where the run has no value. Must be deterministic: the same point
// gives the same matrix. Called with many points at once where the search allows (Jacobian,
// profiles), so the simulator can run them in parallel.
using MsmSimulator = std::function<std::vector<Eigen::MatrixXd>(const std::vector<Eigen::VectorXd>& points)>;

struct MsmResult {
  Eigen::VectorXd estimate;        // K, natural units
  Eigen::VectorXd standard_error;  // K, natural units (NaN where not identified)
  Eigen::MatrixXd covariance;      // K x K, of the identified parameters (NaN rows/columns for the others)
  std::vector<bool> identified;    // K: the moments move the parameter, not only along with others (G'WG)
  Eigen::VectorXd targets, target_se;  // M
  Eigen::VectorXd simulated;       // M: mean over replicates at the estimate
  Eigen::VectorXd simulation_se;   // M: standard error of that mean (replicate sd / sqrt R)
  Eigen::MatrixXd weight;          // M x M, the final weighting matrix
  Eigen::MatrixXd jacobian;        // M x K, d moment / d parameter (natural units)
  double objective = 0;            // Q at the estimate (final weighting)
  double first_step_objective = 0; // Q at the first-step estimate (diagonal weighting)
  double start_objective = 0;      // Q at the start (diagonal weighting): the fit before estimation
  double j_statistic = 0;          // e' (P Omega P')^+ e (valid under any weighting)
  int degrees_of_freedom = 0;      // M - K
  double j_p_value = 0;            // P(chi2(M - K) > J); NaN when M <= K
  std::vector<std::vector<double>> profile_values;     // K x points (natural units)
  std::vector<std::vector<double>> profile_objective;  // K x points
  std::vector<double> trace;       // best Q after each search evaluation
  int evaluations = 0;             // points simulated (search, Jacobian, profiles)
  std::string global_status, local_status;
};

// Throws Error for bad settings (unknown algorithm, bounds, fewer than 1 replicate), when the
// simulator returns matrices of the wrong shape, or when a moment has no value at the estimate.
MsmResult estimate_msm(const std::vector<MsmParameter>& parameters, const Eigen::VectorXd& targets,
                       const Eigen::VectorXd& target_se, const MsmSettings& settings, const MsmSimulator& simulate);

// The natural value of unit-box coordinate u in [0, 1] of a parameter, and back.
double msm_from_unit(const MsmParameter& p, double u);
double msm_to_unit(const MsmParameter& p, double x);

}  // namespace chipsim

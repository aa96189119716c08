#pragma once
// `chipsim calibrate FILE` (issue 17 item 2; docs/CALIBRATION.md): the method of simulated
// moments on a scenario. Every objective evaluation runs the scenario with the point's values at
// R replicates (common random numbers: replicate r runs with (seed, run = r) at every point), in
// parallel on the batch engine's threads and, under mpirun/srun, across ranks
// (experiments/task_pool.hpp); the estimate is the same at any thread or rank count. Every
// simulated point is journalled (<report>.journal, one line each, flushed), so an interrupted
// calibration resumes with --resume: the deterministic search replays, taking journalled points
// from the file. Writes the HDF5 report and, optionally, the calibrated scenario: a file that
// extends the input scenario and sets the estimates ([extend.set]) with their standard errors in
// comments.
#include <ostream>
#include <string>
#include <vector>

#include "calibration/calibration_spec.hpp"
#include "calibration/msm.hpp"
#include "sim/core/model.hpp"
#include "sim/core/series.hpp"

namespace chipsim {

struct CalibrateOptions {
  std::string spec_path;
  std::string report_path;    // HDF5 report (required)
  std::string scenario_path;  // calibrated scenario (optional)
  int threads = 0;            // 0: all cores
  bool resume = false;
  bool progress = true;       // one line per search evaluation on stderr when it is a terminal
  std::string command_line;
};

struct CalibrateResult {
  CalibrationSpec spec;
  MsmResult msm;
  std::string scenario_text;  // the resolved input scenario
  int journalled = 0;         // points taken from the journal (resume)
  int simulated = 0;          // points run now
  double seconds = 0;
};

// Throws ScenarioError (located: the file, a parameter path the scenario lacks, a moment the
// scenario has no value for), IoError (report, journal), Error (search).
CalibrateResult run_calibration(const CalibrateOptions& options);
void print_calibration(const CalibrateResult& r, std::ostream& out);
// Every moment of the spec from one run (in each moment's unit; NaN where the run has no value).
std::vector<double> calibration_moments(const CalibrationSpec& spec, const Model& model, const Series& series);
// Model comparison on the same moments (issue 17 item 5): both fits side by side (K, Q, J, p),
// and, when one model's parameters are a subset of the other's (the logit is the nested logit
// with lambda = 1), the D test of the restriction, D = Q_restricted - Q_unrestricted ~
// chi2(K_u - K_r) (Newey and West 1987; exact asymptotically under optimal weighting), with a
// verdict: which model the moments favour, or that they cannot tell them apart.
void print_model_comparison(const CalibrateResult& a, const CalibrateResult& b, std::ostream& out);
// The calibrated scenario's text: extends `base_relative` and sets every estimate.
std::string calibrated_scenario_text(const CalibrateResult& r, const std::string& base_relative);

}  // namespace chipsim

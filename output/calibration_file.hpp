#pragma once
// The report of `chipsim calibrate` (docs/CALIBRATION.md "The report"): estimates, standard
// errors and covariance; every moment's target, standard error and simulated value; the
// Jacobian and weighting matrix; J with its p-value; the profile of the objective along each
// parameter; the search trace; with provenance (calibration file and scenario texts, build,
// command line). Written atomically (hdf5_util.hpp).
#include <string>
#include <vector>

#include "calibration/calibration_spec.hpp"
#include "calibration/msm.hpp"

namespace chipsim {

// Throws IoError naming the path.
void write_calibration_file(const std::string& path, const CalibrationSpec& spec, const MsmResult& r,
                            const std::string& scenario_text, const std::string& command_line, double seconds);

// What `batch` draws parameters from (predictive uncertainty): the report's estimates, their
// covariance, bounds, and the scenario keys each parameter sets.
struct CalibrationEstimates {
  std::vector<std::string> names;
  std::vector<std::vector<std::string>> paths;  // per parameter
  std::vector<double> estimate, standard_error, lower, upper;
  std::vector<bool> identified;
  std::vector<std::vector<double>> covariance;  // parameter x parameter (NaN for unidentified)
};
// Throws IoError naming the path (not a calibration report, unreadable).
CalibrationEstimates read_calibration_estimates(const std::string& path);

}  // namespace chipsim

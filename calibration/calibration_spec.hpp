#pragma once
// A calibration file (docs/CALIBRATION.md): the scenario, the free parameters (scenario keys by
// path, or groups of keys moved together) with bounds, transform and prior range, the moments
// (a kind of calibration/moments/ with its arguments, a window, a target with its standard
// error and source) and the search settings. Read with located errors (file:line:column: key).
#include <cstdint>
#include <string>
#include <vector>

#include "calibration/moment_kind.hpp"
#include "calibration/msm.hpp"
#include "sim/core/error.hpp"

namespace chipsim {

struct CalibrationParameter {
  std::string name;                // defaults to the first path
  std::vector<std::string> paths;  // scenario keys set to the same value (e.g. firm.Nvidia.rd_share)
  double min = 0, max = 0;         // bounds of the estimate (natural units)
  bool log_scale = false;          // transform = "log"
  double start = 0;                // start of the search (natural units)
  bool start_given = false;        // false: the scenario's own value (calibrate sets it), else the box's middle
  double prior_min = 0, prior_max = 0;  // range for sensitivity and predictive draws; default: the bounds
  std::string source;
  SourceLocation where;
};

struct CalibrationMoment {
  std::string name;    // e.g. "hbm_revenue 2024"; unique
  std::string kind;    // a registered moment kind
  MomentArgs args;     // its arguments (firm, product, destination ...)
  std::string period;  // "2024", "2023H1", "2024Q3", "2023-05", "FY2024 (to Jan 2024)"
  Window window;
  double target = 0;   // in `unit`
  double se = 0;       // standard error of the target (same unit)
  std::string unit;
  std::string source;
  SourceLocation where;
};

struct CalibrationSpec {
  std::string file, text;  // path and verbatim text (stored in the report)
  std::string name;
  std::string scenario;    // absolute path
  std::uint64_t seed = 0;  // replicate r runs with (seed, run = r); 0: the scenario's seed
  Month window_end{2024, 12};  // no moment may end later (later figures are out-of-sample checks)
  std::string run_until;       // "YYYY-MM": runs stop there (the moments' window; faster); empty: the scenario's horizon
  MsmSettings settings;
  std::vector<CalibrationParameter> parameters;
  std::vector<CalibrationMoment> moments;
};

// Relative standard error of a figure stated with confidence H, M or L: 0.10, 0.25, 0.50.
double relative_se_of_confidence(char confidence);

// Reads and validates the file. Throws IoError (cannot read) or ScenarioError (located).
CalibrationSpec load_calibration_spec(const std::string& path, int depth = 0);

}  // namespace chipsim

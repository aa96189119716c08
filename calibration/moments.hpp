#pragma once
// Simulated moments: each public figure chipsim can be compared with has a named moment that
// computes the same quantity from a run's recorded series (docs/SPEC.md §7, Calibration). The
// moment report compares them for the calibration window (2022-2024 figures only).
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "calibration/targets.hpp"
#include "sim/core/model.hpp"
#include "sim/core/series.hpp"

namespace chipsim {

// Computes the simulated value of a target from a run, in the target's unit; nullopt when the
// run does not cover the period or lacks the firm/product/country the moment needs.
using Moment = std::function<std::optional<double>(const Model&, const Series&, const Target&)>;

bool register_moment(const std::string& key, Moment moment);
const Moment* find_moment(const std::string& key);

// Calendar months [first, last] ("YYYY-MM") that a target's period denotes:
// "2024", "2023H1", "2024Q3", "FY2025 (to Jan 2025)" (Nvidia's fiscal year: Feb-Jan),
// "2025-04-14" (that month), "2024-02/2024-10" (an interval of months). nullopt if the period is
// not understood.
std::optional<std::pair<Month, Month>> period_months(const std::string& period);

struct FitRow {
  Target target;
  std::optional<double> simulated;
};

struct FitReport {
  std::vector<FitRow> rows;   // targets in the calibration window with a moment
  double objective = 0;       // sum of squared log errors over rows with a simulated value
  int n_compared = 0;
};

// Targets of kind reported/EST dated `first_year`..`last_year` with a registered moment.
FitReport fit_report(const Model& model, const Series& series, const std::vector<Target>& targets,
                     int first_year = 2022, int last_year = 2024);
void print_fit_report(const FitReport& report, std::ostream& out);

}  // namespace chipsim

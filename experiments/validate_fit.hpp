#pragma once
// `chipsim validate-fit SCENARIO FIGURES.csv` (issue 17 item 6; docs/CALIBRATION.md
// "Out-of-sample check"): runs a (calibrated) scenario at R replicates and compares each figure of
// a file it was not fitted to (the shipped calibration/data/figures_2025.csv) with its
// simulated value, within the figure's stated tolerance: pass or fail per figure. Figures use
// the calibration's moment kinds (calibration/moment_kind.hpp).
//
// FIGURES.csv columns: figure, kind, arguments ("firm=Nvidia;destination=CN"), period, value,
// unit, tolerance, tolerance_type (relative: |sim / value - 1| <= tolerance; absolute:
// |sim - value| <= tolerance), source, note.
#include <ostream>
#include <string>
#include <vector>

namespace chipsim {

struct ValidationFigure {
  std::string figure, kind, period, unit, tolerance_type, source;
  double value = 0, tolerance = 0;
  double simulated = 0, simulated_sd = 0;  // mean and sd over replicates (NaN: no value)
  bool pass = false;
};

struct ValidationResult {
  std::string scenario, figures_file;
  int replicates = 0;
  std::vector<ValidationFigure> figures;
  int passed = 0;
};

// Throws ScenarioError (a malformed row, with file:line and column; an unknown kind or argument),
// IoError (files).
ValidationResult validate_fit(const std::string& scenario, const std::string& figures_csv, int replicates, std::uint64_t seed,
                              int threads);
void print_validation(const ValidationResult& r, std::ostream& out);

}  // namespace chipsim

#pragma once
// Public calibration targets (calibration/data/public_figures.csv): what was reported, when,
// by whom, and how reliable it is.
#include <string>
#include <vector>

namespace chipsim {

struct Target {
  std::string key;         // e.g. "nvidia_datacenter_revenue"
  double value = 0;        // in `unit`
  std::string unit;        // e.g. "USD_billion", "share", "units"
  std::string period;      // e.g. "FY2024 (to Jan 2024)", "2023", "2023H1"
  std::string kind;        // reported / EST / spec / rule / study
  std::string source;
  std::string confidence;  // H / M / L
};

// Reads the CSV (RFC 4180 quoting); rows whose value is not a number (dates) are skipped.
// Throws IoError (missing file) or ScenarioError (malformed row, with file:line).
std::vector<Target> load_targets(const std::string& csv_path);

// Splits one CSV line into fields, honouring double quotes ("" inside quotes is a quote).
std::vector<std::string> split_csv_line(const std::string& line);

}  // namespace chipsim

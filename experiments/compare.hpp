#pragma once
// `chipsim compare POLICY BASELINE`: both scenarios run with the same seed (common random
// numbers), and the policy's effects are measured against the baseline, period by period:
//   revenue loss of each firm     = baseline revenue - policy revenue          (USD, and % of a baseline
//                                   of at least --min-base), split exactly into the focus country's
//                                   volume, diversion to other destinations and price; profit loss
//   self-sufficiency gap (China)  = policy share - baseline share              (by compute; HBM: stacks)
//   compute gap (China)           = policy compute stock - baseline stock       (H100e)
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "sim/core/model.hpp"
#include "sim/core/series.hpp"

namespace chipsim {

struct ComparisonRequest {
  std::string policy_path, baseline_path, output_path;  // output empty: no file
  std::optional<std::uint64_t> seed;                    // default: the policy scenario's seed
  std::string focus_country = "CN";
  int threads = 0;
  std::string command_line;
};

struct ScenarioComparison {
  Model policy, baseline;
  Series policy_series, baseline_series;
  Series effects;  // the comparison series written to the output file
  std::uint64_t seed = 0;
};

ScenarioComparison compare_scenarios(const ComparisonRequest& request);
// min_base_bn: a loss is shown as a percentage only where the baseline revenue over the
// horizon is at least this (USD bn): "-434 %" against a 2 bn base says nothing.
void print_comparison(const ScenarioComparison& c, const std::string& focus_country, std::ostream& out,
                      double min_base_bn = 5.0);

}  // namespace chipsim

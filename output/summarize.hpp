#pragma once
// `chipsim summarize results.h5`: the headline metrics of a batch, per variant (and sweep
// point), from the summaries stored in the file: the focus country's self-sufficiency
// (accelerators, HBM; units) at chosen dates, cumulative revenue loss per firm against the
// paired baseline, and the compute gap — each as the mean across replicates with its 95 %
// confidence interval. As a terminal table, or tidy CSV (output/tidy_csv.hpp) for pandas, R and
// spreadsheets: columns variant, point, one per swept parameter (its value), the replicate count
// (or replicate and seed with per_run), baseline, metric, country, firm, date, statistics, unit.
#include <ostream>
#include <string>
#include <vector>

namespace chipsim {

struct SummarizeOptions {
  std::vector<std::string> dates;  // "YYYY-MM"; empty: the last month of each third of the horizon
  bool csv = false;      // tidy CSV: one row per (variant, sweep point, metric, date or firm)
  bool per_run = false;  // tidy CSV: one row per (run, metric, date or firm)
};

void summarize_batch_file(const std::string& path, const SummarizeOptions& options, std::ostream& out);

}  // namespace chipsim

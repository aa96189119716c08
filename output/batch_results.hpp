#pragma once
// The results of a batch of runs (chipsim batch / merge / rerun): per-run series of the kept
// variables, the experiment's design, and — for a complete batch — the paired effects against
// each run's baseline and the summaries across replicates. One format for the final file and
// for Slurm-array shards (which hold a subset of runs and no effects or summaries).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/core/series.hpp"

namespace chipsim {

struct BatchLayout {
  std::vector<Dimension> dimensions;   // label dimensions used by the kept variables
  std::vector<Variable> variables;     // name, units, dims, row_size (data empty)
  std::vector<std::string> time_labels;
  std::vector<double> time_days;
  std::size_t run_size() const;        // doubles per run: sum of T x row_size
  std::size_t offset_of(const std::string& variable) const;  // within a run's data
  const Variable& variable(const std::string& name) const;
  const Dimension& dimension(const std::string& name) const;
};

struct BatchDesign {
  std::string experiment_name, experiment_file, experiment_text;
  std::vector<std::string> variant_names;
  std::vector<int> variant_baseline;                // -1: none
  std::vector<std::string> variant_scenario_text;   // resolved scenario of each variant
  std::vector<std::string> variant_demand_model;    // demand model of each variant (provenance)
  std::string period_length;                        // "month" or "quarter" (provenance)
  std::vector<std::string> parameter_paths;         // sweep parameters
  std::vector<std::vector<double>> point_values;    // (point x parameter)
  int replicates = 1;
  std::uint64_t master_seed = 0;
  std::string focus_country;
  // Per run (index = run): variant, point, replicate, seed.
  std::vector<int> run_variant, run_point, run_replicate;
  std::vector<std::uint64_t> run_seed;
  std::vector<std::string> run_build;  // per run: build identity of the binary that ran it (empty: this one)
  // Predictive uncertainty: parameters drawn per replicate (the keys each sets, joined by spaces)
  // and their values (replicate x draw); empty without an [uncertainty] table.
  std::vector<std::string> draw_paths;
  std::vector<std::vector<double>> replicate_draws;
  int n_runs() const { return static_cast<int>(run_variant.size()); }
};

struct BatchResults {
  BatchDesign design;
  BatchLayout layout;
  std::map<int, std::vector<double>> runs;  // finished runs: index -> data (layout order)
  std::string shard;                        // "i/n" for a shard file, empty for a full batch
  bool complete() const { return static_cast<int>(runs.size()) == design.n_runs(); }
};

// The finished runs a batch file is written from, read one at a time so that writing needs
// memory for a block of runs, not for the batch (a journal on disk, or runs held in memory).
class RunSource {
 public:
  virtual ~RunSource() = default;
  virtual std::vector<int> indices() const = 0;  // the runs held, ascending
  // Run `index`'s data (layout order, BatchLayout::run_size() doubles). Throws IoError.
  virtual std::vector<double> read(int index) const = 0;
};

// Writes the file atomically (temporary name, then rename). A complete batch also gets the
// paired effects and the summaries across replicates. Runs are read from `runs` in blocks of at
// most ~64 MiB and effects and summaries computed from the rows already written, so peak memory
// does not grow with the number of runs. Throws IoError.
void write_batch_file(const std::string& path, const BatchDesign& design, const BatchLayout& layout,
                      const std::string& shard, const RunSource& runs, int threads, const std::string& command_line);
// The same from runs held in memory (merge, tests).
void write_batch_file(const std::string& path, const BatchResults& results, int threads, const std::string& command_line);

// Reads a batch or shard file written by write_batch_file. Throws IoError.
BatchResults read_batch_file(const std::string& path);

}  // namespace chipsim

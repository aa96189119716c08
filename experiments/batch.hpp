#pragma once
// Batch runs of an experiment (docs/SPEC.md §7-8): every run of the expanded design, in parallel
// with oneTBB (each run is deterministic and independent of scheduling), optionally one Slurm
// shard of them (--shard i/n: runs k with k mod n == i), resumable from a journal of finished
// runs (each written atomically: temporary file, then rename), with a progress line on a
// terminal. A full batch writes one HDF5 file with the run dimension, paired effects and
// summaries; a shard writes the same format with its runs only, for `chipsim merge`.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "experiments/experiment_spec.hpp"
#include "experiments/journal.hpp"
#include "output/batch_results.hpp"

namespace chipsim {

struct BatchOptions {
  std::string output_path;
  int threads = 0;         // 0: all cores
  int shard_index = 0;     // this shard
  int shard_count = 1;     // number of shards (1: the whole batch)
  bool resume = false;     // continue from the journal of an interrupted batch
  bool progress = true;    // progress line on stderr when it is a terminal
  std::string command_line;
  // Test hook: stop (as if killed) after this many runs have been journalled; 0 = never.
  int stop_after = 0;
};

// Kept variables of a run ("summaries": the headline series; "full": everything recorded).
BatchLayout batch_layout(const ExperimentSpec& spec);
BatchDesign batch_design(const ExperimentSpec& spec);

// The model of a run: its variant's scenario with its sweep point's overrides. Throws
// ScenarioError.
Model load_run_model(const ExperimentSpec& spec, const RunSpec& run);

// Models are immutable and shared by every replicate of a (variant, sweep point): each is loaded
// once, on first use (a scenario file is parsed once per model, not once per run). With
// parameter draws ([uncertainty]) every run has its own model, loaded when asked for and not
// kept. Thread-safe.
class ModelCache {
 public:
  explicit ModelCache(const ExperimentSpec& spec);
  std::shared_ptr<const Model> get(const RunSpec& run);

 private:
  struct Slot {
    std::once_flag once;
    std::shared_ptr<const Model> model;
  };
  const ExperimentSpec& spec_;
  std::vector<Slot> slots_;
};

// Runs one run of the design and returns its kept data (layout order).
std::vector<double> execute_run(const ExperimentSpec& spec, const BatchLayout& layout, const RunSpec& run);
std::vector<double> execute_run(const Model& model, const BatchLayout& layout, const RunSpec& run);

// The bookkeeping of one batch (or shard): design, layout, the journal of finished runs, the
// runs still to do, and the final write. Used by the TBB driver and the MPI driver alike.
// Finished runs live in the journal only (not in memory): the results file is written from
// it, so memory does not grow with the number of runs.
class BatchSession {
 public:
  // Opens (locked) or resumes the journal; damaged records are reported and re-run. Throws
  // IoError (journal locked by another process, belongs to another experiment, unwritable).
  BatchSession(const ExperimentSpec& spec, const BatchOptions& options);
  ~BatchSession();  // clears the interrupt handler's note (it points into this session)
  const std::vector<int>& pending() const { return pending_; }
  const BatchLayout& layout() const { return layout_; }
  void record(int index, const std::vector<double>& data);  // journal it (atomically); thread-safe
  const std::atomic<int>& journalled() const { return journalled_; }  // runs in the journal now
  // Tells the SIGINT/SIGTERM handler what the journal keeps and how to resume.
  void announce_resume_note() const;
  void finish(int threads);                                  // write the results file, drop the journal

 private:
  BatchOptions options_;
  BatchDesign design_;
  BatchLayout layout_;
  std::string shard_;
  Journal journal_;
  std::vector<int> pending_;
  std::vector<char> done_;  // per run index
  std::atomic<int> journalled_{0};
  std::mutex mutex_;
};

// "runs done, runs per second, ETA" on stderr when it is a terminal; silent otherwise.
class Progress {
 public:
  Progress(int total, bool enabled);
  ~Progress();
  void tick();  // thread-safe

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Runs the batch (or one shard) with oneTBB and writes the output file. Returns the number of
// runs done now.
int run_batch(const ExperimentSpec& spec, const BatchOptions& options);

// The same across MPI ranks (dynamic load balancing: rank 0 hands out runs one at a time and
// writes the file). Available when chipsim is built with MPI; call between MPI_Init/Finalize.
int run_batch_mpi(const ExperimentSpec& spec, const BatchOptions& options);
bool mpi_available();

// Combines shard files into the file a single batch would have written.
// Throws IoError if a shard belongs to another experiment, is missing, or holds runs of another
// build of chipsim (unless allow_mixed_builds: each run then keeps its build in run_build).
void merge_shards(const std::vector<std::string>& shards, const std::string& output_path, const std::string& command_line,
                  bool allow_mixed_builds = false);

// Re-runs run K of a batch file from the file alone; returns true if it reproduces the stored
// series bit for bit. Writes the run's full output file when run_output is not empty.
bool rerun_from_file(const std::string& batch_path, int run, const std::string& run_output, std::string& report);

}  // namespace chipsim

#pragma once
// Experiment files (docs/SPEC.md §7): a base scenario, named variants (policy paths), a parameter
// sweep (grid, Latin hypercube or Sobol), replicates, a master seed, the baseline each variant
// is paired with, and which outputs to keep. Expanded into a list of runs, each fully
// determined by (variant, sweep point, replicate): the batch may run them in any order, on
// any number of threads, ranks or shards, and get the same numbers.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/scenario/scenario.hpp"

namespace chipsim {

struct Variant {
  std::string name;
  std::string scenario_path;  // resolved path of its scenario file
  int baseline = -1;          // index of the variant it is paired with (-1: none)
};

struct SweepParameter {
  std::string path;            // ScenarioOverride path, e.g. "firm.Huawei.arrival_hazard_per_month"
  std::vector<double> values;  // grid
  double min = 0, max = 0;     // latin_hypercube / sobol
  SourceLocation where;        // of its `path` key in the experiment file
};

// Predictive uncertainty (docs/EXPERIMENTS.md 1.5b): a parameter drawn once per replicate, the
// same draw for every variant and sweep point of the replicate (paired comparisons stay paired).
struct ParameterDraw {
  std::string name;
  std::vector<std::string> paths;  // scenario keys set to the drawn value
  std::string distribution;        // "uniform" (min, max) or "normal" (mean; covariance below)
  double min = -1e300, max = 1e300;  // uniform: its range; normal: truncation (truncated-normal marginal)
  double mean = 0;
  SourceLocation where;
};

struct RunSpec {
  int index = 0;       // position in the batch
  int variant = 0;
  int point = 0;       // sweep point (0 when there is no sweep)
  int replicate = 0;
  std::uint64_t seed = 0;  // same for every variant and point of a replicate: common random numbers
  std::vector<ScenarioOverride> overrides;
};

struct ExperimentSpec {
  std::string name;
  std::string file;                 // path of the experiment file
  std::string text;                 // its text (provenance)
  std::vector<Variant> variants;
  std::vector<SweepParameter> sweep;
  std::string sweep_method = "none";  // none | grid | latin_hypercube | sobol
  int sweep_points = 1;
  std::vector<std::vector<double>> point_values;  // (point x parameter)
  int replicates = 1;
  std::uint64_t master_seed = 0;
  bool keep_full_series = false;    // outputs = "full"; default "summaries"
  std::string focus_country = "CN";
  std::vector<ParameterDraw> draws;  // [uncertainty]: drawn per replicate
  std::vector<std::vector<double>> draw_cholesky;  // lower-triangular factor of the normal draws' covariance (draws x draws; 0 rows for uniform)
  std::string uncertainty_source;   // the calibration report the normal draws come from, if any
  std::vector<RunSpec> runs;        // variant-major, then point, then replicate

  int n_runs() const { return static_cast<int>(runs.size()); }
};

// Loads a variant's scenario at a sweep point. A scenario error the sweep's overrides caused
// (an unknown path, a value out of the key's range) is reported at the sweep parameter's `path`
// in the experiment file, naming the point and its values. Throws ScenarioError, IoError.
Model load_variant_at_point(const ExperimentSpec& spec, int variant, int point);

// Reads and validates an experiment file (errors: ScenarioError with file:line:column).
ExperimentSpec load_experiment(const std::string& path);

// The values of the parameter draws of replicate r (one per draw, in `draws` order):
// counter-based (Philox keyed by the master seed), so any run can be drawn alone.
std::vector<double> draw_parameters(const ExperimentSpec& spec, int replicate);

// The seed of replicate r: a Philox draw keyed by the master seed, so seeds do not overlap.
std::uint64_t replicate_seed(std::uint64_t master_seed, int replicate);

}  // namespace chipsim

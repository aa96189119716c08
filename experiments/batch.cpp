#include "experiments/batch.hpp"

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>

#include "experiments/interrupt.hpp"
#include "sim/core/build_info.hpp"
#include "output/hdf5_writer.hpp"
#include "output/run_summary.hpp"
#include "sim/pipeline/pipeline.hpp"
#include "sim/pipeline/record.hpp"

namespace chipsim {

namespace fs = std::filesystem;

Model load_run_model(const ExperimentSpec& spec, const RunSpec& run) {
  return load_scenario(spec.variants[static_cast<std::size_t>(run.variant)].scenario_path, run.overrides);
}

ModelCache::ModelCache(const ExperimentSpec& spec)
    : spec_(spec), slots_(spec.variants.size() * static_cast<std::size_t>(spec.sweep_points)) {}

std::shared_ptr<const Model> ModelCache::get(const RunSpec& run) {
  if (!spec_.draws.empty()) return std::make_shared<const Model>(load_run_model(spec_, run));
  Slot& slot = slots_[static_cast<std::size_t>(run.variant) * static_cast<std::size_t>(spec_.sweep_points) +
                      static_cast<std::size_t>(run.point)];
  std::call_once(slot.once, [&] { slot.model = std::make_shared<const Model>(load_variant_at_point(spec_, run.variant, run.point)); });
  return slot.model;
}

namespace {

// The headline series kept per run in "summaries" mode.
const std::vector<std::string> kSummaryVariables = {
    "revenue", "self_sufficiency_compute", "self_sufficiency_units", "self_sufficiency_value", "compute_stock", "capability",
    "government_score", "fee_income", "tariff_income"};


std::string journal_dir(const std::string& output) { return output + ".journal"; }

}  // namespace

class Progress::Impl {
 public:
  Impl(int total, bool enabled) : total_(total), enabled_(enabled && ::isatty(STDERR_FILENO)), start_(clock::now()) {}
  void tick() {
    const int done = ++done_;
    if (!enabled_) return;
    std::lock_guard lock(mutex_);
    const double elapsed = std::chrono::duration<double>(clock::now() - start_).count();
    if (done < total_ && elapsed - last_ < 0.2) return;
    last_ = elapsed;
    const double rate = elapsed > 0 ? done / elapsed : 0;
    std::fprintf(stderr, "\r[chipsim batch] %d/%d runs, %.1f runs/s, ETA %.0f s   ", done, total_, rate,
                 rate > 0 ? (total_ - done) / rate : 0.0);
    if (done == total_) std::fprintf(stderr, "\n");
  }

  Impl(const Impl&) = delete;

 private:
  using clock = std::chrono::steady_clock;
  int total_;
  bool enabled_;
  clock::time_point start_;
  std::atomic<int> done_{0};
  std::mutex mutex_;
  double last_ = -1;
};

Progress::Progress(int total, bool enabled) : impl_(std::make_unique<Impl>(total, enabled)) {}
Progress::~Progress() = default;
void Progress::tick() { impl_->tick(); }

namespace {
}  // namespace

BatchDesign batch_design(const ExperimentSpec& spec) {
  BatchDesign d;
  d.experiment_name = spec.name;
  d.experiment_file = spec.file;
  d.experiment_text = spec.text;
  for (const Variant& v : spec.variants) {
    d.variant_names.push_back(v.name);
    d.variant_baseline.push_back(v.baseline);
    const Model m = load_scenario(v.scenario_path);
    d.variant_scenario_text.push_back(m.scenario_text);
    d.variant_demand_model.push_back(m.demand_model);
    d.period_length = m.calendar.months_per_period == 1 ? "month" : "quarter";
  }
  for (const SweepParameter& p : spec.sweep) d.parameter_paths.push_back(p.path);
  d.point_values = spec.point_values;
  d.replicates = spec.replicates;
  d.master_seed = spec.master_seed;
  d.focus_country = spec.focus_country;
  for (const ParameterDraw& x : spec.draws) {
    std::string joined;
    for (const std::string& p : x.paths) joined += (joined.empty() ? "" : " ") + p;
    d.draw_paths.push_back(joined);
  }
  if (!spec.draws.empty())
    for (int r = 0; r < spec.replicates; ++r) d.replicate_draws.push_back(draw_parameters(spec, r));
  for (const RunSpec& r : spec.runs) {
    d.run_variant.push_back(r.variant);
    d.run_point.push_back(r.point);
    d.run_replicate.push_back(r.replicate);
    d.run_seed.push_back(r.seed);
  }
  return d;
}

BatchLayout batch_layout(const ExperimentSpec& spec) {
  const Model m = load_run_model(spec, spec.runs.front());
  Series s;
  define_outputs(m, s);
  BatchLayout L;
  for (int t = 0; t < m.n_periods(); ++t) {
    L.time_labels.push_back(m.calendar.label(t));
    L.time_days.push_back(static_cast<double>(days_since_epoch(m.calendar.month_of(t))));
  }
  std::set<std::string> dims;
  for (const Variable& v : s.variables())
    if (spec.keep_full_series || std::find(kSummaryVariables.begin(), kSummaryVariables.end(), v.name) != kSummaryVariables.end()) {
      Variable kept = v;
      kept.data.clear();
      L.variables.push_back(kept);
      for (const auto& d : v.dims) dims.insert(d);
    }
  for (const char* d : {"firm", "country", "kind", "destination"}) dims.insert(d);  // needed by the effects
  for (const Dimension& d : s.dimensions())
    if (dims.count(d.name)) L.dimensions.push_back(d);
  // Every variant must have the same calendar and world layout: checked once here.
  for (const Variant& v : spec.variants) {
    Series other;
    const Model vm = load_scenario(v.scenario_path, spec.runs.front().overrides);
    if (vm.calendar.start != m.calendar.start || vm.calendar.horizon != m.calendar.horizon ||
        vm.calendar.months_per_period != m.calendar.months_per_period)
      throw ScenarioError({spec.file, 0, 0}, "variant " + v.name + ": its calendar (start, horizon, period) differs from the first variant's");
    define_outputs(vm, other);
    for (const Dimension& d : L.dimensions)
      if (other.dimension(d.name).labels != d.labels)
        throw ScenarioError({spec.file, 0, 0}, "variant " + v.name + ": its " + d.name + "s differ from the first variant's");
  }
  return L;
}

std::vector<double> execute_run(const ExperimentSpec& spec, const BatchLayout& layout, const RunSpec& run) {
  return execute_run(load_run_model(spec, run), layout, run);
}

std::vector<double> execute_run(const Model& m, const BatchLayout& layout, const RunSpec& run) {
  RunOptions o;
  o.seed = run.seed;
  o.run = 0;  // common random numbers: the replicate's seed alone keys the draws
  const State s = run_model(m, o);
  if (const std::string w = pricing_convergence_warning(m, s.series); !w.empty())
    std::cerr << ("chipsim: warning: run " + std::to_string(run.index) + " (variant " + std::to_string(run.variant) + ", point " +
                  std::to_string(run.point) + ", replicate " + std::to_string(run.replicate) + "): " + w + "\n");
  std::vector<double> data;
  data.reserve(layout.run_size());
  for (const Variable& v : layout.variables) {
    const auto& src = s.series.variable(v.name).data;
    data.insert(data.end(), src.begin(), src.end());
  }
  return data;
}

namespace {
// What the journal must belong to: the experiment and every variant's resolved scenario.
std::string journal_identity(const ExperimentSpec& spec, const BatchDesign& design) {
  // The build too: a journal continued by another build would mix results that are not
  // comparable bit for bit.
  std::string identity = "# build: " + build_identity(build_info()) + "\n" + spec.text;
  for (const std::string& t : design.variant_scenario_text) identity += "\n# ---- variant scenario ----\n" + t;
  return identity;
}

// The journal's records, read one at a time while the results file is written.
class JournalRuns final : public RunSource {
 public:
  JournalRuns(const Journal& journal, std::vector<int> indices, std::size_t run_size)
      : journal_(journal), indices_(std::move(indices)), run_size_(run_size) {}
  std::vector<int> indices() const override { return indices_; }
  std::vector<double> read(int index) const override { return journal_.read(index, run_size_); }

 private:
  const Journal& journal_;
  std::vector<int> indices_;
  std::size_t run_size_;
};
}  // namespace

BatchSession::BatchSession(const ExperimentSpec& spec, const BatchOptions& options)
    : options_(options),
      design_(batch_design(spec)),
      layout_(batch_layout(spec)),
      shard_(options.shard_count > 1 ? std::to_string(options.shard_index) + "/" + std::to_string(options.shard_count) : ""),
      journal_(journal_dir(options.output_path), journal_identity(spec, design_), options.resume),
      done_(spec.runs.size(), 0) {
  for (int k : journal_.scan(layout_.run_size()))  // entries of other shards are ignored
    if (k < static_cast<int>(done_.size()) && k % options.shard_count == options.shard_index) {
      done_[static_cast<std::size_t>(k)] = 1;
      ++journalled_;
    }
  for (const RunSpec& r : spec.runs)
    if (r.index % options.shard_count == options.shard_index && !done_[static_cast<std::size_t>(r.index)])
      pending_.push_back(r.index);
}

void BatchSession::record(int index, const std::vector<double>& data) {
  if (data.size() != layout_.run_size())
    throw Error("batch: run " + std::to_string(index) + " returned " + std::to_string(data.size()) + " values, expected " +
                std::to_string(layout_.run_size()));
  journal_.write(index, data);
  std::lock_guard lock(mutex_);
  done_[static_cast<std::size_t>(index)] = 1;
  ++journalled_;
}

BatchSession::~BatchSession() { set_interrupt_note("", nullptr); }

void BatchSession::announce_resume_note() const {
  std::string command = options_.command_line;
  if (command.find("--resume") == std::string::npos) command += " --resume";
  set_interrupt_note("chipsim: the journal " + journal_.dir() + " keeps them; to finish the batch run: " + command, &journalled_);
}

void BatchSession::finish(int threads) {
  std::vector<int> held;
  for (std::size_t k = 0; k < done_.size(); ++k)
    if (done_[k]) held.push_back(static_cast<int>(k));
  write_batch_file(options_.output_path, design_, layout_, shard_, JournalRuns(journal_, held, layout_.run_size()), threads,
                   options_.command_line);
  set_interrupt_note("", nullptr);  // the journal is about to go: nothing left to resume
  journal_.remove();
}

int run_batch(const ExperimentSpec& spec, const BatchOptions& options) {
  const int threads = options.threads > 0 ? options.threads : tbb::info::default_concurrency();
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  BatchSession session(spec, options);
  session.announce_resume_note();
  const std::vector<int>& pending = session.pending();
  Progress progress(static_cast<int>(pending.size()), options.progress);
  ModelCache models(spec);
  std::atomic<int> journalled{0};
  std::atomic<bool> stop{false};
  tbb::parallel_for(std::size_t(0), pending.size(), [&](std::size_t n) {
    if (stop) return;
    const RunSpec& run = spec.runs[static_cast<std::size_t>(pending[n])];
    session.record(run.index, execute_run(*models.get(run), session.layout(), run));
    progress.tick();
    if (options.stop_after > 0 && ++journalled >= options.stop_after) stop = true;
  });
  if (stop) return options.stop_after;  // simulated kill: the journal holds what was finished
  session.finish(threads);
  return static_cast<int>(pending.size());
}

void merge_shards(const std::vector<std::string>& shards, const std::string& output_path, const std::string& command_line,
                  bool allow_mixed_builds) {
  if (shards.empty()) throw IoError("merge: no shard files given");
  BatchResults merged = read_batch_file(shards.front());
  // Results are bit-reproducible only within one build: a mix is refused unless asked for, and
  // then each run keeps the build that ran it (run_build).
  const std::string mine = build_identity(build_info());
  auto check_builds = [&](const BatchResults& s, const std::string& file) {
    if (allow_mixed_builds) return;
    for (const auto& [index, data] : s.runs) {
      const std::string& b = s.design.run_build[static_cast<std::size_t>(index)];
      if (!b.empty() && b != mine)
        throw IoError(file + ": run " + std::to_string(index) + " was made by another build of chipsim (" + b +
                      ") than this one (" + mine + "); merge with that binary, or give --allow-mixed-builds to keep each run's build");
    }
  };
  check_builds(merged, shards.front());
  for (std::size_t k = 1; k < shards.size(); ++k) {
    BatchResults s = read_batch_file(shards[k]);
    if (s.design.experiment_text != merged.design.experiment_text || s.design.master_seed != merged.design.master_seed ||
        s.design.variant_scenario_text != merged.design.variant_scenario_text)
      throw IoError(shards[k] + ": belongs to a different experiment (or other variant scenarios) than " + shards.front());
    check_builds(s, shards[k]);
    for (auto& [index, data] : s.runs) {
      const auto k = static_cast<std::size_t>(index);
      merged.design.run_build[k] = s.design.run_build[k];
      merged.design.run_variant[k] = s.design.run_variant[k];
      merged.design.run_point[k] = s.design.run_point[k];
      merged.design.run_replicate[k] = s.design.run_replicate[k];
      merged.design.run_seed[k] = s.design.run_seed[k];
      merged.runs[index] = std::move(data);
    }
  }
  if (!merged.complete())
    throw IoError("merge: the shards hold " + std::to_string(merged.runs.size()) + " of " +
                  std::to_string(merged.design.n_runs()) + " runs; a shard is missing or unfinished");
  merged.shard.clear();
  write_batch_file(output_path, merged, 1, command_line);
}

bool rerun_from_file(const std::string& batch_path, int run, const std::string& run_output, std::string& report) {
  const BatchResults r = read_batch_file(batch_path);
  const BatchDesign& d = r.design;
  if (run < 0 || run >= d.n_runs() || !r.runs.count(run))
    throw IoError(batch_path + ": holds no run " + std::to_string(run));
  const auto k = static_cast<std::size_t>(run);
  std::vector<ScenarioOverride> overrides;
  for (std::size_t p = 0; p < d.parameter_paths.size(); ++p)
    overrides.push_back({d.parameter_paths[p], d.point_values[static_cast<std::size_t>(d.run_point[k])][p]});
  const std::string variant = d.variant_names[static_cast<std::size_t>(d.run_variant[k])];
  const Model m = load_scenario_text(d.variant_scenario_text[static_cast<std::size_t>(d.run_variant[k])],
                                     batch_path + ":scenario_text_" + variant, overrides);
  RunOptions o;
  o.seed = d.run_seed[k];
  const State s = run_model(m, o);
  if (const std::string w = pricing_convergence_warning(m, s.series); !w.empty())
    std::cerr << "chipsim: warning: run " << run << ": " << w << "\n";
  std::vector<double> data;
  for (const Variable& v : r.layout.variables) {
    const auto& src = s.series.variable(v.name).data;
    data.insert(data.end(), src.begin(), src.end());
  }
  const auto& stored = r.runs.at(run);
  const bool same = data.size() == stored.size() && std::memcmp(data.data(), stored.data(), data.size() * sizeof(double)) == 0;
  report = "run " + std::to_string(run) + ": variant " + variant + ", point " + std::to_string(d.run_point[k]) + ", replicate " +
           std::to_string(d.run_replicate[k]) + ", seed " + std::to_string(d.run_seed[k]) +
           (same ? " — reproduced bit for bit" : " — DIFFERS from the stored series (another build or machine?)");
  if (!run_output.empty()) {
    RunMetadata meta;
    meta.seed = o.seed;
    meta.run = static_cast<std::uint64_t>(run);
    meta.threads = 1;
    meta.started_utc = meta.finished_utc = utc_now_iso8601();
    meta.command_line = "chipsim rerun " + batch_path + " --run " + std::to_string(run);
    write_run_file(run_output, m, s.series, meta);
  }
  return same;
}

}  // namespace chipsim

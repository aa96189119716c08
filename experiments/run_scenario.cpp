#include "experiments/run_scenario.hpp"

#include <tbb/global_control.h>
#include <tbb/info.h>

#include <chrono>
#include <memory>

#include "output/hdf5_writer.hpp"
#include "sim/pipeline/pipeline.hpp"
#include "sim/scenario/scenario.hpp"

namespace chipsim {

RunResult run_scenario(const RunRequest& request) {
  const auto t0 = std::chrono::steady_clock::now();
  const int threads = request.threads > 0 ? request.threads : tbb::info::default_concurrency();
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));

  RunResult result{load_scenario(request.scenario_path), State{}, 0};
  RunOptions options;
  options.seed = request.seed.value_or(result.model.default_seed);
  options.run = request.run;
  RunMetadata meta;
  meta.seed = options.seed;
  meta.run = options.run;
  meta.threads = threads;
  meta.compress = request.compress;
  meta.command_line = request.command_line;
  meta.started_utc = utc_now_iso8601();
  result.state = run_model(result.model, options);
  meta.finished_utc = utc_now_iso8601();
  if (!request.output_path.empty()) write_run_file(request.output_path, result.model, result.state.series, meta);
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return result;
}

}  // namespace chipsim

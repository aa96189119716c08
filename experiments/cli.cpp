// The chipsim command line. CLI11 lives in this one translation unit only.
#include <charconv>
#include <tuple>
#include <string_view>
#include <algorithm>
#include <CLI/CLI.hpp>
#ifdef CHIPSIM_WITH_MPI
#include <mpi.h>
#endif

#include <chrono>
#include <filesystem>
#include <cstdlib>
#include <cstdio>
#include <iostream>

#include "calibration/moments.hpp"
#include "experiments/batch.hpp"
#include "experiments/bench.hpp"
#include "experiments/compare.hpp"
#include "experiments/deals.hpp"
#include "experiments/sensitivity_command.hpp"
#include "experiments/calibrate_command.hpp"
#include "experiments/validate_fit.hpp"
#include "experiments/task_pool.hpp"
#include "experiments/interrupt.hpp"
#include "experiments/report_command.hpp"
#include "output/hdf5_writer.hpp"
#include "experiments/run_scenario.hpp"
#include "output/run_summary.hpp"
#include "output/summarize.hpp"
#include "sim/core/build_info.hpp"
#include "sim/demand/demand_model.hpp"
#include "sim/scenario/event_registry.hpp"
#include "sim/scenario/scenario.hpp"

namespace {

// Launched by mpirun/srun? (Open MPI, MPICH/PMI and PMIx set these for every rank.)
bool launched_by_mpi() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK");
}

// Runs body() on every rank when launched by mpirun/srun (MPI initialised around it; an error
// on any rank aborts them all, exit 1), else once. Returns true on the rank that reports
// (rank 0, or the only process).
template <class Body>
bool on_every_rank(int& argc, char**& argv, Body body) {
  if (!launched_by_mpi()) {
    body();
    return true;
  }
#ifdef CHIPSIM_WITH_MPI
  int provided = 0, rank = 0;  // only the main thread calls MPI (task_pool gathers after the threads' work)
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  try {
    body();
  } catch (const std::exception& e) {
    std::cerr << "chipsim: error on rank " << rank << ": " << e.what() << "\n";
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  MPI_Finalize();
  return rank == 0;
#else
  (void)argc, (void)argv;
  std::cerr << "chipsim: warning: launched by mpirun/srun but this chipsim was built without MPI; every rank runs the whole job\n";
  body();
  return true;
#endif
}

// --seed: exactly a decimal integer 0 ... 2^64 - 1 (no sign, exponent or overflow to the maximum).
std::uint64_t strict_seed(const std::string& option, const std::string& text) {
  std::uint64_t value = 0;
  const bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!digits || ec != std::errc() || end != text.data() + text.size())
    throw chipsim::Error(option + ": must be a whole number from 0 to 18446744073709551615, got \"" + text + "\"");
  return value;
}

// --shard: exactly "i/n" in decimal, 0 <= i < n.
std::pair<int, int> strict_shard(const std::string& text) {
  auto fail = [&]() -> std::pair<int, int> {
    throw chipsim::Error("--shard: expected i/n in decimal with 0 <= i < n (e.g. 0/4), got \"" + text + "\"");
  };
  const auto slash = text.find('/');
  if (slash == std::string::npos || text.find('/', slash + 1) != std::string::npos) return fail();
  auto number = [&](std::string_view part, int& out) {
    if (part.empty() || !std::all_of(part.begin(), part.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) return false;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
    return ec == std::errc() && end == part.data() + part.size();
  };
  int i = 0, n = 0;
  const std::string_view all(text);
  if (!number(all.substr(0, slash), i) || !number(all.substr(slash + 1), n) || n < 1 || i >= n) return fail();
  return {i, n};
}

std::string joined_command_line(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) s += (i ? " " : "") + std::string(argv[i]);
  return s;
}

// A data file shipped with chipsim (relative to the project root, e.g. experiments/scenarios/
// history.toml): looked up beside the binary first — in the build tree (<root>/build/<preset>/
// experiments/chipsim) or an installation (<prefix>/bin/chipsim with <prefix>/share/chipsim/) —
// then at the path recorded at build time. Empty if none exists: the option is then required.
std::string shipped_data(const std::string& relative, const std::string& built_in) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path dir = exe.parent_path();
    for (const fs::path& candidate : {dir / ".." / ".." / ".." / relative, dir / ".." / "share" / "chipsim" / relative})
      if (fs::is_regular_file(candidate, ec)) return candidate.lexically_normal().string();
  }
  return fs::is_regular_file(built_in, ec) ? built_in : std::string();
}

int cmd_validate(const std::string& path) {
  const chipsim::Model m = chipsim::load_scenario(path);
  std::cout << path << ": ok — scenario \"" << m.name << "\", " << m.calendar.label(0) << " to "
            << m.calendar.label(m.n_periods() - 1) << " (" << m.n_periods() << " periods), " << m.n_countries()
            << " countries, " << m.n_firms() << " firms, " << m.n_products() << " products, " << m.n_ai_firms()
            << " AI firms, " << m.events.size() << " events, demand model " << m.demand_model << "\n";
  for (const chipsim::Event& e : m.events) {
    std::cout << "  " << e.date.to_string() << "  " << e.effect->describe();
    if (e.probability >= 0)
      std::cout << "  (stochastic: each period until " << m.calendar.label(e.until_period) << ", at most once)";
    if (e.follows >= 0)
      std::cout << "  (" << e.follow_lag << " periods after \"" << m.events[static_cast<std::size_t>(e.follows)].effect->describe()
                << "\" happens, if it does)";
    else if (e.period >= m.n_periods())
      std::cout << "  (after the horizon: never applied)";
    std::cout << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  chipsim::init_hdf5_library();
  chipsim::install_interrupt_handlers();
  CLI::App app{
      "chipsim — agent-based simulator of the AI-accelerator market under export controls, tariffs and\n"
      "licences. Runs a scenario (a TOML file describing countries, chipmakers, products, AI firms and\n"
      "dated policy events) month by month and writes the time series to one HDF5 file.\n\n"
      "Examples:\n"
      "  chipsim run experiments/scenarios/history.toml -o history.h5\n"
      "  chipsim validate my_scenario.toml\n"
      "  chipsim compare experiments/scenarios/history.toml experiments/scenarios/no_controls.toml\n",
      "chipsim"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(chipsim::build_info().version) + " (" +
                                        chipsim::build_info().git_revision + ")");

  chipsim::RunRequest req;
  std::string focus = "CN";
  bool quiet = false;
  std::string seed;
  CLI::App* run = app.add_subcommand("run", "Run a scenario and write its time series to an HDF5 file");
  run->add_option("scenario", req.scenario_path, "Scenario file (TOML)")->required()->check(CLI::ExistingFile);
  run->add_option("-o,--output", req.output_path, "Output HDF5 file (default: <scenario name>.h5 in the current directory)");
  auto* seed_opt = run->add_option("--seed", seed, "Random seed (default: the scenario's [scenario].seed)");
  run->add_option("--threads", req.threads, "Worker threads (default: all cores); results do not depend on it")
      ->check(CLI::Range(1, 1024));
  run->add_flag("--compress", req.compress, "Deflate-compress the output (smaller, slower to write)");
  run->add_option("--focus", focus, "Country whose self-sufficiency and revenue the summary shows")->capture_default_str();
  run->add_flag("-q,--quiet", quiet, "Do not print the summary");

  std::string validate_path;
  CLI::App* validate = app.add_subcommand("validate", "Check a scenario file and list its events; exit 1 on any error");
  validate->add_option("scenario", validate_path, "Scenario file (TOML)")->required();

  CLI::App* models = app.add_subcommand("list", "List the registered demand models and event actions");

  std::string show_path;
  CLI::App* show = app.add_subcommand("show", "Print the resolved scenario (after extend), as written into output files");
  show->add_option("scenario", show_path, "Scenario file (TOML)")->required();

  chipsim::ComparisonRequest cmp;
  std::string cmp_seed;
  CLI::App* compare = app.add_subcommand(
      "compare", "Run a policy scenario and a baseline with the same seed; print revenue loss, self-sufficiency and compute gaps");
  compare->add_option("policy", cmp.policy_path, "Policy scenario (TOML), e.g. history.toml")->required()->check(CLI::ExistingFile);
  compare->add_option("baseline", cmp.baseline_path, "Baseline scenario (TOML), e.g. no_controls.toml")->required()->check(CLI::ExistingFile);
  compare->add_option("-o,--output", cmp.output_path, "Write the comparison series to this HDF5 file");
  auto* cmp_seed_opt = compare->add_option("--seed", cmp_seed, "Seed for both runs (default: the policy scenario's)");
  compare->add_option("--focus", cmp.focus_country, "Country whose self-sufficiency and compute are compared")->capture_default_str();
  double cmp_min_base = 5.0;
  compare->add_option("--min-base", cmp_min_base, "Show a loss as a percentage only against a baseline revenue of at least this, USD bn")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  compare->add_option("--threads", cmp.threads, "Worker threads (results do not depend on it)")->check(CLI::Range(1, 1024));

  std::string batch_path, shard_text;
  chipsim::BatchOptions batch_opts;
  bool no_progress = false;
  CLI::App* batch = app.add_subcommand(
      "batch", "Run every run of an experiment (variants x sweep points x replicates) in parallel into one HDF5 file");
  batch->add_option("experiment", batch_path, "Experiment file (TOML)")->required()->check(CLI::ExistingFile);
  batch->add_option("-o,--output", batch_opts.output_path,
                    "Results file (HDF5; default: <experiment name>.h5 in the current directory, <name>_shard_<i>.h5 for a shard)");
  batch->add_option("--threads", batch_opts.threads, "Worker threads (default: all cores); results do not depend on it")
      ->check(CLI::Range(1, 1024));
  batch->add_option("--shard", shard_text, "Run only shard i of n (Slurm array: --shard $SLURM_ARRAY_TASK_ID/N) into its own file");
  batch->add_flag("--resume", batch_opts.resume, "Finish an interrupted batch from its journal (<output>.journal)");
  batch->add_flag("--no-progress", no_progress, "No progress line (it only shows on a terminal anyway)");
  batch->add_option("--stop-after", batch_opts.stop_after, "Testing: stop after N runs, as if killed")->group("");

  std::string merge_out;
  std::vector<std::string> merge_in;
  CLI::App* merge = app.add_subcommand("merge", "Combine the shard files of a batch into the file a single batch would write");
  merge->add_option("-o,--output", merge_out, "Results file (HDF5)")->required();
  merge->add_option("shards", merge_in, "Shard files")->required()->check(CLI::ExistingFile);
  bool allow_mixed_builds = false;
  merge->add_flag("--allow-mixed-builds", allow_mixed_builds,
                  "Merge shards made by different builds of chipsim (each run keeps its build in run_build)");

  std::string rerun_path, rerun_out;
  int rerun_index = 0;
  CLI::App* rerun = app.add_subcommand("rerun", "Re-run one run of a batch from the results file alone and check it");
  rerun->add_option("results", rerun_path, "Batch results file (HDF5)")->required()->check(CLI::ExistingFile);
  rerun->add_option("--run", rerun_index, "Run index")->required();
  rerun->add_option("-o,--output", rerun_out, "Write the run's full output file here");

  chipsim::BenchOptions bench_opts;
  bench_opts.scenario = shipped_data("experiments/scenarios/history.toml", CHIPSIM_DEFAULT_SCENARIO);
  CLI::App* bench = app.add_subcommand("bench", "Measure speed: single run, batch throughput (1 vs 2 threads), big world, output writing");
  bench->add_option("--scenario", bench_opts.scenario, "Scenario for the run and batch figures")->capture_default_str();
  bench->add_option("--repeats", bench_opts.repeats, "Repeats per figure (medians are reported)")->capture_default_str();
  bench->add_option("--batch-runs", bench_opts.batch_runs, "Runs per throughput measurement")->capture_default_str();
  bench->add_option("--ai-firms", bench_opts.synthetic_ai_firms, "AI firms of the synthetic world")->capture_default_str();
  bench->add_option("--products", bench_opts.synthetic_products, "Products of the synthetic world")->capture_default_str();
  bench->add_option("--capacity-products", bench_opts.capacity_products,
                    "Products of the capacity-bound world (passes per period, bound vs slack capacity; 0 = skip)")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  bench->add_option("--capacity-learning", bench_opts.capacity_learning_rate,
                    "Also time the capacity-bound pair with unit costs falling at this rate per doubling of output (0 = skip)")
      ->capture_default_str()->check(CLI::Range(0.0, 0.9));
  bench->add_option("--memory-periods", bench_opts.memory_periods,
                    "Also measure the peak memory of a whole synthetic-world run of this many periods (0: skip)")
      ->capture_default_str();
  bench->add_option("--write-mb", bench_opts.write_megabytes, "Megabytes written by the output benchmark")->capture_default_str();
  bench->add_option("--scratch", bench_opts.scratch_dir, "Directory for the write benchmark's files")->capture_default_str();

  std::string summarize_path;
  chipsim::SummarizeOptions summarize_opts;
  CLI::App* summarize = app.add_subcommand("summarize", "Headline metrics of a batch per variant, with 95% intervals (or --csv)");
  summarize->add_option("results", summarize_path, "Batch results file (HDF5)")->required()->check(CLI::ExistingFile);
  summarize->add_option("--dates", summarize_opts.dates, "Months to report, e.g. --dates 2025-12 2030-12")->expected(1, -1);
  summarize->add_flag("--csv", summarize_opts.csv, "Tidy CSV (one row per variant, sweep point, metric and date or firm) instead of the table");
  summarize->add_flag("--per-run", summarize_opts.per_run, "Tidy CSV with one row per run (and metric, date or firm)");

  chipsim::DealOptions deal_opts;
  bool deal_quiet = false;
  CLI::App* deals = app.add_subcommand("deals", "Sweep tariff-for-chips deal terms; score both governments; bargaining set and Nash solution");
  deals->add_option("spec", deal_opts.spec_path, "Deals file (TOML)")->required()->check(CLI::ExistingFile);
  deals->add_option("-o,--output", deal_opts.output_path, "Write every deal's scores to this HDF5 file");
  deals->add_option("--threads", deal_opts.threads, "Worker threads (results do not depend on it)")->check(CLI::Range(1, 1024));
  deals->add_flag("--no-progress", deal_quiet, "No progress line");

  chipsim::SensitivityOptions sens_opts;
  int sens_top = 10;
  CLI::App* sensitivity = app.add_subcommand(
      "sensitivity", "Morris screen or Sobol indices of the headline outputs (China's self-sufficiency, revenue loss) over parameter ranges");
  sensitivity->add_option("spec", sens_opts.spec_path, "Sensitivity file (TOML)")->required()->check(CLI::ExistingFile);
  sensitivity->add_option("--csv", sens_opts.csv_path, "Write every index to this CSV file (tidy: output, parameter, statistic, value, low, high)");
  sensitivity->add_option("--threads", sens_opts.threads, "Worker threads (results do not depend on it)")->check(CLI::Range(1, 1024));
  sensitivity->add_option("--top", sens_top, "Parameters printed per output (ranked by mu* or ST)")->check(CLI::Range(1, 100000));

  chipsim::CalibrateOptions cal_opts;
  bool cal_quiet = false;
  CLI::App* calibrate = app.add_subcommand(
      "calibrate", "Estimate scenario parameters by the method of simulated moments (NLopt global then local search; "
                   "standard errors, J test, profiles); writes an HDF5 report and a calibrated scenario");
  calibrate->add_option("spec", cal_opts.spec_path, "Calibration file (TOML)")->required()->check(CLI::ExistingFile);
  calibrate->add_option("-o,--output", cal_opts.report_path, "HDF5 report (default: <name>_calibration.h5)");
  calibrate->add_option("--scenario-out", cal_opts.scenario_path, "Write the calibrated scenario (extends the input, sets the estimates)");
  calibrate->add_option("--threads", cal_opts.threads, "Worker threads per process (results do not depend on it)")->check(CLI::Range(1, 1024));
  calibrate->add_flag("--resume", cal_opts.resume, "Continue an interrupted calibration from its journal (<report>.journal)");
  calibrate->add_flag("--no-progress", cal_quiet, "No progress line");
  std::string cal_compare;
  calibrate->add_option("--compare", cal_compare,
                        "A second calibration file on the same moments (e.g. nested-logit demand): both are run and compared "
                        "(Q, J, and the D test when one model restricts the other); its report is <its name>_calibration.h5 beside -o's")
      ->check(CLI::ExistingFile);

  std::string vf_scenario, vf_figures;
  int vf_replicates = 10, vf_threads = 0;
  std::string vf_seed_text;
  CLI::App* validate_fit = app.add_subcommand(
      "validate-fit", "Compare a (calibrated) scenario with figures it was not fitted to (e.g. calibration/data/figures_2025.csv): "
                      "pass or fail per figure within its stated tolerance");
  validate_fit->add_option("scenario", vf_scenario, "Scenario file (TOML), e.g. a calibrated one")->required()->check(CLI::ExistingFile);
  validate_fit->add_option("figures", vf_figures, "Figures file (CSV: figure,kind,arguments,period,value,unit,tolerance,tolerance_type,source,note)")
      ->required()->check(CLI::ExistingFile);
  validate_fit->add_option("--replicates", vf_replicates, "Replicates (mean and sd per figure)")->check(CLI::Range(1, 100000));
  validate_fit->add_option("--seed", vf_seed_text, "Seed of replicate 0 (default: the scenario's)");
  validate_fit->add_option("--threads", vf_threads, "Worker threads (results do not depend on it)")->check(CLI::Range(1, 1024));

  chipsim::ReportOptions report_opts;
  report_opts.script = shipped_data("output/report.py", CHIPSIM_REPORT_SCRIPT);
  CLI::App* report = app.add_subcommand(
      "report", "One self-contained HTML page of a run, compare, batch or deals file: summary with intervals, scenario "
                "differences, assumptions, figures, provenance");
  report->add_option("results", report_opts.results, "Results file (HDF5)")->required()->check(CLI::ExistingFile);
  report->add_option("-o,--output", report_opts.output, "HTML file (default: RESULTS with .html)");
  report->add_option("--country", report_opts.country, "Focus country (default: the file's focus_country, else CN)");

  chipsim::RunRequest fit_req;
  // The shipped 2022-2024 figures: public_figures.csv and the supply-chain targets derived from
  // supply_chain.csv (calibration/data/README.md); --targets replaces both.
  std::vector<std::string> targets_paths;
  for (const auto& [relative, built_in] : {std::pair{"calibration/data/public_figures.csv", CHIPSIM_DEFAULT_TARGETS},
                                           std::pair{"calibration/data/supply_chain_targets.csv", CHIPSIM_SUPPLY_CHAIN_TARGETS}})
    if (std::string p = shipped_data(relative, built_in); !p.empty()) targets_paths.push_back(p);
  int fit_first = 2022, fit_last = 2024;
  CLI::App* fit = app.add_subcommand(
      "fit", "Run a scenario and compare it with the public figures it can be calibrated on (moment report)");
  fit->add_option("scenario", fit_req.scenario_path, "Scenario file (TOML)")->required()->check(CLI::ExistingFile);
  fit->add_option("--targets", targets_paths, "Public figures CSV (key,value,unit,period,kind,source,confidence); repeat for several")
      ->capture_default_str();
  fit->add_option("--from", fit_first, "First year of the calibration window")->capture_default_str();
  fit->add_option("--to", fit_last, "Last year of the calibration window")->capture_default_str();

  // An unknown command is named (CLI11 would only say "A subcommand is required"), with the
  // nearest known one.
  if (argc > 1 && argv[1][0] != '-') {
    const std::string given = argv[1];
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) names.push_back(sub->get_name());
    if (std::find(names.begin(), names.end(), given) == names.end()) {
      auto distance = [](const std::string& a, const std::string& b) {
        std::vector<std::size_t> row(b.size() + 1);
        for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
        for (std::size_t i = 1; i <= a.size(); ++i) {
          std::size_t diagonal = row[0];
          row[0] = i;
          for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = up;
          }
        }
        return row[b.size()];
      };
      std::string nearest, list;
      std::size_t best = 3;  // suggest only close names
      for (const std::string& n : names) {
        list += (list.empty() ? "" : ", ") + n;
        if (const std::size_t d = distance(given, n); d < best) best = d, nearest = n;
      }
      std::cerr << "chipsim: error: unknown command \"" << given << "\"" << (nearest.empty() ? "" : "; did you mean \"" + nearest + "\"?")
                << "\ncommands: " << list << " (chipsim --help)\n";
      return 1;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; any other command-line error is a user error: exit 1
    // (documented exit codes: 0 ok, 1 user or input error, 2 internal, 3 rerun mismatch, 128+n).
    return app.exit(e) == 0 ? 0 : 1;
  }

  try {
    if (*validate) return cmd_validate(validate_path);
    if (*models) {
      std::cout << "demand models:";
      for (const auto& n : chipsim::demand_model_names()) std::cout << " " << n;
      std::cout << "\nevent actions:";
      for (const auto& n : chipsim::event_action_names()) std::cout << " " << n;
      std::cout << "\n";
      return 0;
    }
    if (*batch) {
      const auto spec = chipsim::load_experiment(batch_path);
      if (!shard_text.empty()) std::tie(batch_opts.shard_index, batch_opts.shard_count) = strict_shard(shard_text);
      if (batch_opts.output_path.empty())
        batch_opts.output_path = spec.name + (batch_opts.shard_count > 1 ? "_shard_" + std::to_string(batch_opts.shard_index) : "") + ".h5";
      batch_opts.progress = !no_progress;
      batch_opts.command_line = joined_command_line(argc, argv);
      const auto t0 = std::chrono::steady_clock::now();
      int done = 0, rank = 0;
      if (launched_by_mpi()) {
#ifdef CHIPSIM_WITH_MPI
        int provided = 0;  // only the main thread calls MPI (the coordinator); TBB threads run runs
        MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        try {
          done = chipsim::run_batch_mpi(spec, batch_opts);
        } catch (const std::exception& e) {
          std::cerr << "chipsim: error on rank " << rank << ": " << e.what() << "\n";
          MPI_Abort(MPI_COMM_WORLD, 1);
        }
        MPI_Finalize();
#else
        done = chipsim::run_batch_mpi(spec, batch_opts);  // explains that MPI is not built in
#endif
      } else {
        done = chipsim::run_batch(spec, batch_opts);
      }
      if (rank != 0) return 0;
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::cout << spec.name << ": " << done << " runs done now (" << spec.n_runs() << " in the batch) in " << secs
                << " s; wrote " << batch_opts.output_path << "\n";
      return 0;
    }
    if (*sensitivity) {
      chipsim::SensitivityResult r;
      if (!on_every_rank(argc, argv, [&] { r = chipsim::run_sensitivity(sens_opts); })) return 0;
      chipsim::print_sensitivity(r, std::cout, sens_top);
      if (!sens_opts.csv_path.empty()) {
        chipsim::write_sensitivity_csv(r, sens_opts.csv_path);
        std::cout << "\nwrote " << sens_opts.csv_path << "\n";
      }
      return 0;
    }
    if (*validate_fit) {
      const std::uint64_t seed = vf_seed_text.empty() ? 0 : strict_seed("--seed", vf_seed_text);
      chipsim::ValidationResult r;
      if (!on_every_rank(argc, argv, [&] { r = chipsim::validate_fit(vf_scenario, vf_figures, vf_replicates, seed, vf_threads); })) return 0;
      chipsim::print_validation(r, std::cout);
      return 0;
    }
    if (*calibrate) {
      cal_opts.progress = !cal_quiet;
      cal_opts.command_line = joined_command_line(argc, argv);
      chipsim::CalibrateResult r, other;
      chipsim::CalibrateOptions other_opts = cal_opts;
      if (!on_every_rank(argc, argv, [&] {
            if (cal_opts.report_path.empty()) cal_opts.report_path = chipsim::load_calibration_spec(cal_opts.spec_path).name + "_calibration.h5";
            r = chipsim::run_calibration(cal_opts);
            if (!cal_compare.empty()) {
              other_opts.spec_path = cal_compare;
              other_opts.scenario_path.clear();
              other_opts.report_path = (std::filesystem::path(cal_opts.report_path).parent_path() /
                                        (chipsim::load_calibration_spec(cal_compare).name + "_calibration.h5")).string();
              other = chipsim::run_calibration(other_opts);
            }
          }))
        return 0;
      chipsim::print_calibration(r, std::cout);
      if (!cal_compare.empty()) {
        std::cout << "\n";
        chipsim::print_calibration(other, std::cout);
        chipsim::print_model_comparison(r, other, std::cout);
      }
      std::cout << "\nwrote " << cal_opts.report_path << (cal_opts.scenario_path.empty() ? "" : " and " + cal_opts.scenario_path)
                << (cal_compare.empty() ? "" : " and " + other_opts.report_path) << "\n";
      return 0;
    }
    if (*deals) {
      deal_opts.progress = !deal_quiet;
      deal_opts.command_line = joined_command_line(argc, argv);
      const chipsim::DealResults r = chipsim::find_deals(deal_opts);
      chipsim::print_deals(r, std::cout);
      if (!deal_opts.output_path.empty()) std::cout << "\nwrote " << deal_opts.output_path << "\n";
      return 0;
    }
    if (*report) chipsim::exec_report(report_opts);
    if (*summarize) {
      chipsim::summarize_batch_file(summarize_path, summarize_opts, std::cout);
      return 0;
    }
    if (*bench) {
      if (bench_opts.scenario.empty())
        throw chipsim::Error("bench: the shipped history.toml was not found beside this binary; give --scenario FILE");
      chipsim::run_benchmarks(bench_opts, std::cout);
      return 0;
    }
    if (*merge) {
      chipsim::merge_shards(merge_in, merge_out, joined_command_line(argc, argv), allow_mixed_builds);
      std::cout << "merged " << merge_in.size() << " shards into " << merge_out << "\n";
      return 0;
    }
    if (*rerun) {
      std::string report;
      const bool same = chipsim::rerun_from_file(rerun_path, rerun_index, rerun_out, report);
      std::cout << report << "\n";
      return same ? 0 : 3;
    }
    if (*show) {
      std::cout << chipsim::load_scenario(show_path).scenario_text;
      return 0;
    }
    if (*compare) {
      if (*cmp_seed_opt) cmp.seed = strict_seed("--seed", cmp_seed);
      cmp.command_line = joined_command_line(argc, argv);
      const chipsim::ScenarioComparison c = chipsim::compare_scenarios(cmp);
      chipsim::print_comparison(c, cmp.focus_country, std::cout, cmp_min_base);
      if (!cmp.output_path.empty()) std::cout << "\nwrote " << cmp.output_path << "\n";
      return 0;
    }
    if (*fit) {
      if (targets_paths.empty())
        throw chipsim::Error("fit: the shipped public_figures.csv was not found beside this binary; give --targets FILE");
      std::vector<chipsim::Target> targets;
      std::string names;
      for (const auto& p : targets_paths) {
        const auto more = chipsim::load_targets(p);
        targets.insert(targets.end(), more.begin(), more.end());
        names += (names.empty() ? "" : ", ") + p;
      }
      const chipsim::RunResult r = chipsim::run_scenario(fit_req);
      std::cout << "moment report: " << r.model.name << " vs " << names << "\n\n";
      chipsim::print_fit_report(chipsim::fit_report(r.model, r.state.series, targets, fit_first, fit_last), std::cout);
      return 0;
    }
    if (*run) {
      if (*seed_opt) req.seed = strict_seed("--seed", seed);
      req.command_line = joined_command_line(argc, argv);
      if (req.output_path.empty()) {
        req.output_path = chipsim::load_scenario(req.scenario_path).name + ".h5";
      }
      const chipsim::RunResult r = chipsim::run_scenario(req);
      if (const std::string w = chipsim::pricing_convergence_warning(r.model, r.state.series); !w.empty())
        std::cerr << "chipsim: warning: " << w << "\n";
      if (!quiet) {
        chipsim::print_run_summary(r.model, r.state.series, focus, std::cout);
        std::cout << "\nwrote " << req.output_path << " (" << r.state.series.n_periods() << " periods, seed "
                  << req.seed.value_or(r.model.default_seed) << ") in " << r.wall_seconds << " s\n";
      }
      return 0;
    }
  } catch (const chipsim::Error& e) {
    std::cerr << "chipsim: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "chipsim: internal error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}

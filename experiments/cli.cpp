// The chipsim command line. CLI11 lives in this one translation unit only.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "calibration/moments.hpp"
#include "experiments/compare.hpp"
#include "experiments/run_scenario.hpp"
#include "output/run_summary.hpp"
#include "sim/build_info.hpp"
#include "sim/demand_model.hpp"
#include "sim/event_registry.hpp"
#include "sim/scenario.hpp"

namespace {

std::string joined_command_line(int argc, char** argv) {
  std::string s;
  for (int i = 0; i < argc; ++i) s += (i ? " " : "") + std::string(argv[i]);
  return s;
}

int cmd_validate(const std::string& path) {
  const chipsim::Model m = chipsim::load_scenario(path);
  std::cout << path << ": ok — scenario \"" << m.name << "\", " << m.calendar.label(0) << " to "
            << m.calendar.label(m.n_periods() - 1) << " (" << m.n_periods() << " periods), " << m.n_countries()
            << " countries, " << m.n_firms() << " firms, " << m.n_products() << " products, " << m.n_ai_firms()
            << " AI firms, " << m.events.size() << " events, demand model " << m.demand_model << "\n";
  for (const chipsim::Event& e : m.events) {
    std::cout << "  " << e.date.to_string() << "  " << e.effect->describe();
    if (e.period >= m.n_periods()) std::cout << "  (after the horizon: never applied)";
    std::cout << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
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
  std::uint64_t seed = 0;
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
  std::uint64_t cmp_seed = 0;
  CLI::App* compare = app.add_subcommand(
      "compare", "Run a policy scenario and a baseline with the same seed; print revenue loss, self-sufficiency and compute gaps");
  compare->add_option("policy", cmp.policy_path, "Policy scenario (TOML), e.g. history.toml")->required()->check(CLI::ExistingFile);
  compare->add_option("baseline", cmp.baseline_path, "Baseline scenario (TOML), e.g. no_controls.toml")->required()->check(CLI::ExistingFile);
  compare->add_option("-o,--output", cmp.output_path, "Write the comparison series to this HDF5 file");
  auto* cmp_seed_opt = compare->add_option("--seed", cmp_seed, "Seed for both runs (default: the policy scenario's)");
  compare->add_option("--focus", cmp.focus_country, "Country whose self-sufficiency and compute are compared")->capture_default_str();
  compare->add_option("--threads", cmp.threads, "Worker threads (results do not depend on it)")->check(CLI::Range(1, 1024));

  chipsim::RunRequest fit_req;
  std::string targets_path = CHIPSIM_DEFAULT_TARGETS;
  int fit_first = 2022, fit_last = 2024;
  CLI::App* fit = app.add_subcommand(
      "fit", "Run a scenario and compare it with the public figures it can be calibrated on (moment report)");
  fit->add_option("scenario", fit_req.scenario_path, "Scenario file (TOML)")->required()->check(CLI::ExistingFile);
  fit->add_option("--targets", targets_path, "Public figures CSV (key,value,unit,period,kind,source,confidence)")
      ->capture_default_str();
  fit->add_option("--from", fit_first, "First year of the calibration window")->capture_default_str();
  fit->add_option("--to", fit_last, "Last year of the calibration window")->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
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
    if (*show) {
      std::cout << chipsim::load_scenario(show_path).scenario_text;
      return 0;
    }
    if (*compare) {
      if (*cmp_seed_opt) cmp.seed = cmp_seed;
      cmp.command_line = joined_command_line(argc, argv);
      const chipsim::ScenarioComparison c = chipsim::compare_scenarios(cmp);
      chipsim::print_comparison(c, cmp.focus_country, std::cout);
      if (!cmp.output_path.empty()) std::cout << "\nwrote " << cmp.output_path << "\n";
      return 0;
    }
    if (*fit) {
      const auto targets = chipsim::load_targets(targets_path);
      const chipsim::RunResult r = chipsim::run_scenario(fit_req);
      std::cout << "moment report: " << r.model.name << " vs " << targets_path << "\n\n";
      chipsim::print_fit_report(chipsim::fit_report(r.model, r.state.series, targets, fit_first, fit_last), std::cout);
      return 0;
    }
    if (*run) {
      if (*seed_opt) req.seed = seed;
      req.command_line = joined_command_line(argc, argv);
      if (req.output_path.empty()) {
        req.output_path = chipsim::load_scenario(req.scenario_path).name + ".h5";
      }
      const chipsim::RunResult r = chipsim::run_scenario(req);
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

#include <catch2/catch.hpp>

#include "output/statistics.hpp"

#include <hdf5.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "experiments/batch.hpp"
#include "experiments/experiment_spec.hpp"

using namespace chipsim;
namespace fs = std::filesystem;

namespace {
const std::string kSmall = std::string(CHIPSIM_SOURCE_DIR) + "/tests/experiments/small_experiment.toml";
const std::string kScenarioDir = std::string(CHIPSIM_SOURCE_DIR) + "/experiments/scenarios/";

std::string write_experiment(const std::string& name, const std::string& text) {
  const fs::path p = fs::path(kScenarioDir) / ("../../build/" + name);
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
  return p.lexically_normal().string();
}
}  // namespace

TEST_CASE("experiment files expand into runs with common random numbers", "[batch][spec]") {
  const ExperimentSpec x = load_experiment(kSmall);
  CHECK(x.variants.size() == 2);
  CHECK(x.variants[1].baseline == 0);
  CHECK(x.sweep_points == 3);
  REQUIRE(x.n_runs() == 2 * 3 * 4);
  std::set<std::uint64_t> seeds;
  for (const RunSpec& r : x.runs) {
    CHECK(r.seed == replicate_seed(x.master_seed, r.replicate));  // same seed in every variant and point
    seeds.insert(r.seed);
  }
  CHECK(seeds.size() == 4);
  // Latin hypercube: one point in each third of [0.02, 0.2].
  std::set<int> strata;
  for (const auto& p : x.point_values) {
    CHECK(p[0] >= 0.02);
    CHECK(p[0] <= 0.2);
    strata.insert(static_cast<int>((p[0] - 0.02) / (0.18 / 3)));
  }
  CHECK(strata.size() == 3);
}

TEST_CASE("grid and Sobol designs", "[batch][spec]") {
  const std::string grid = write_experiment("grid_experiment.toml", R"(
[experiment]
name = "grid"
base = "../experiments/scenarios/history.toml"
replicates = 2
master_seed = 1
[sweep]
method = "grid"
[[sweep.parameter]]
path = "parameters.utility_per_log_performance"
values = [0.5, 1.0, 1.5]
[[sweep.parameter]]
path = "firm.Huawei.rd_share"
values = [0.1, 0.2]
)");
  const ExperimentSpec g = load_experiment(grid);
  CHECK(g.sweep_points == 6);
  CHECK(g.n_runs() == 12);
  CHECK(g.point_values[5] == std::vector<double>{1.5, 0.2});

  const std::string sobol = write_experiment("sobol_experiment.toml", R"(
[experiment]
name = "sobol"
base = "../experiments/scenarios/history.toml"
replicates = 1
master_seed = 1
[sweep]
method = "sobol"
points = 8
[[sweep.parameter]]
path = "firm.Huawei.rd_share"
min = 0.0
max = 1.0
[[sweep.parameter]]
path = "firm.Huawei.controls_access_penalty"
min = 0.0
max = 1.0
)");
  const ExperimentSpec s = load_experiment(sobol);
  // The first 8 points of the Sobol sequence, origin included (cases/analysis/sobol_8_points.toml):
  // on every axis exactly one point in each eighth.
  REQUIRE(s.point_values.size() == 8);
  for (std::size_t d = 0; d < 2; ++d) {
    std::vector<int> strata(8, 0);
    for (const auto& p : s.point_values) ++strata[static_cast<std::size_t>(p[d] * 8)];
    CHECK(strata == std::vector<int>(8, 1));
  }
  CHECK(s.point_values[0] == std::vector<double>{0.0, 0.0});
}

TEST_CASE("experiment errors name file, line and field", "[batch][spec][errors]") {
  const std::string bad_baseline = write_experiment("bad_baseline.toml", R"(
[experiment]
name = "bad"
base = "../experiments/scenarios/history.toml"
replicates = 2
master_seed = 1
[[variant]]
name = "a"
baseline = "nobody"
)");
  CHECK_THROWS_WITH(load_experiment(bad_baseline), Catch::Contains("bad_baseline.toml:9:") && Catch::Contains("unknown baseline variant \"nobody\""));
  const std::string bad_path = write_experiment("bad_path.toml", R"(
[experiment]
name = "bad"
base = "../experiments/scenarios/history.toml"
replicates = 2
master_seed = 1
[sweep]
method = "grid"
[[sweep.parameter]]
path = "firm.Huaweii.rd_share"
values = [0.1]
)");
  CHECK_THROWS_WITH(load_experiment(bad_path), Catch::Contains("no firm named Huaweii"));
  const std::string bad_method = write_experiment("bad_method.toml", "[experiment]\nname = \"x\"\nbase = \"../experiments/scenarios/history.toml\"\n"
                                                                    "replicates = 1\nmaster_seed = 1\n[sweep]\nmethod = \"random\"\n");
  CHECK_THROWS_WITH(load_experiment(bad_method), Catch::Contains("bad_method.toml:7:") && Catch::Contains("sweep.method"));
}

TEST_CASE("batch summaries: means and 95% intervals of the paired effects across replicates", "[batch]") {
  const ExperimentSpec x = load_experiment(kSmall);
  BatchOptions o;
  o.output_path = (fs::temp_directory_path() / "chipsim_test_batch.h5").string();
  o.progress = false;
  fs::remove_all(o.output_path + ".journal");
  CHECK(run_batch(x, o) == x.n_runs());
  const BatchResults r = read_batch_file(o.output_path);
  REQUIRE(r.complete());
  // Recompute the cumulative Nvidia revenue loss of the "history" variant at point 1 by hand.
  const BatchLayout& L = r.layout;
  const std::size_t T = L.time_labels.size(), F = L.dimension("firm").labels.size(), C = L.dimension("destination").labels.size();
  const std::size_t rev = L.offset_of("revenue");
  std::vector<double> losses;
  for (const RunSpec& run : x.runs) {
    if (run.variant != 1 || run.point != 1) continue;
    const int base = run.index - 1 * 3 * 4;  // the no_controls run of the same point and replicate
    double loss = 0;
    for (std::size_t t = 0; t < T; ++t)
      for (std::size_t c = 0; c < C; ++c)
        loss += r.runs.at(base)[rev + (t * F + 0) * C + c] - r.runs.at(run.index)[rev + (t * F + 0) * C + c];
    losses.push_back(loss);
  }
  REQUIRE(losses.size() == 4);
  double mean = 0, ss = 0;
  for (double v : losses) mean += v / 4;
  for (double v : losses) ss += (v - mean) * (v - mean);
  const double half = 3.182446305284263 * std::sqrt(ss / 3) / 2;  // t(0.975, 3) sd / sqrt(4)
  // summary_cumulative_revenue_loss (group, statistic, firm): group "history@1" = 1 * 3 + 1.
  const hid_t f = H5Fopen(o.output_path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t d = H5Dopen2(f, "summary_cumulative_revenue_loss", H5P_DEFAULT);
  const std::size_t S = summary_statistic_names().size();  // statistics per group, by label
  std::vector<double> s(6 * S * F);
  REQUIRE(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, s.data()) >= 0);
  H5Dclose(d);
  H5Fclose(f);
  const std::size_t g = 1 * 3 + 1;
  CHECK(s[(g * S + 0) * F + 0] == Approx(mean).epsilon(1e-12));
  CHECK(s[(g * S + 1) * F + 0] == Approx(mean - half).epsilon(1e-9));
  CHECK(s[(g * S + 2) * F + 0] == Approx(mean + half).epsilon(1e-9));
  CHECK(std::isnan(s[(1 * S + 0) * F + 0]));  // no_controls has no baseline: no effect
  fs::remove(o.output_path);
}

TEST_CASE("a batch refuses variants whose calendars differ", "[batch][errors]") {
  const std::string longer = write_experiment("longer_history.toml",
                                              "[extend]\nbase = \"../experiments/scenarios/history.toml\"\n[scenario]\nhorizon = \"2031-12\"\n");
  const std::string spec = write_experiment("mixed_calendars.toml", R"(
[experiment]
name = "mixed"
base = "../experiments/scenarios/history.toml"
replicates = 1
master_seed = 1
[[variant]]
name = "history"
[[variant]]
name = "longer"
scenario = "longer_history.toml"
)");
  (void)longer;
  const ExperimentSpec x = load_experiment(spec);
  BatchOptions o;
  o.output_path = (fs::temp_directory_path() / "chipsim_mixed.h5").string();
  o.progress = false;
  fs::remove_all(o.output_path + ".journal");
  CHECK_THROWS_WITH(run_batch(x, o), Catch::Contains("variant longer: its calendar"));
  CHECK_FALSE(fs::exists(o.output_path));
  fs::remove_all(o.output_path + ".journal");
}

TEST_CASE("predictive uncertainty: parameters drawn per replicate, the same for every variant, stored per run", "[batch][uncertainty]") {
  const ExperimentSpec x = load_experiment(std::string(CHIPSIM_SOURCE_DIR) + "/tests/experiments/small_uncertainty.toml");
  REQUIRE(x.draws.size() == 2);
  REQUIRE(x.n_runs() == 2 * 6);
  std::set<double> enforcement;
  for (const RunSpec& r : x.runs) {
    const std::vector<double> d = draw_parameters(x, r.replicate);
    CHECK(d[0] >= 0.8);
    CHECK(d[0] <= 1.0);
    CHECK(d[1] >= 0.01);
    CHECK(d[1] <= 0.2);
    // The run's overrides carry its replicate's draw (paired across variants).
    REQUIRE(r.overrides.size() == 2);
    CHECK(r.overrides[0].value == d[0]);
    CHECK(r.overrides[1].value == d[1]);
    const RunSpec& twin = x.runs[static_cast<std::size_t>((r.index + 6) % 12)];
    CHECK(twin.overrides[0].value == r.overrides[0].value);
    enforcement.insert(d[0]);
  }
  CHECK(enforcement.size() == 6);  // a new draw per replicate
  // Normal draws: the mean and sd of N(0.04, 0.02) truncated to [0.01, 0.2] (analytic:
  // alpha = -1.5; mean = mu + sigma phi(alpha) / (1 - Phi(alpha)), var = sigma^2 [1 + alpha
  // phi / Z - (phi / Z)^2]).
  double sum = 0, sq = 0;
  const int n = 4000;
  for (int r = 0; r < n; ++r) {
    const double v = draw_parameters(x, r)[1];
    sum += v, sq += v * v;
  }
  const double phi = std::exp(-0.5 * 1.5 * 1.5) / std::sqrt(2 * M_PI), z = 0.5 * std::erfc(1.5 / std::sqrt(2.0));  // Phi(-1.5)
  const double mean = 0.04 + 0.02 * phi / (1 - z), sd = 0.02 * std::sqrt(1 - 1.5 * phi / (1 - z) - std::pow(phi / (1 - z), 2));
  CHECK(sum / n == Approx(mean).margin(0.0006));
  CHECK(std::sqrt(sq / n - (sum / n) * (sum / n)) == Approx(sd).margin(0.0006));

  BatchOptions o;
  o.output_path = (fs::temp_directory_path() / "chipsim_test_uncertainty.h5").string();
  o.progress = false;
  fs::remove_all(o.output_path + ".journal");
  CHECK(run_batch(x, o) == x.n_runs());
  const BatchResults r = read_batch_file(o.output_path);
  REQUIRE(r.design.draw_paths.size() == 2);
  for (int k = 0; k < 6; ++k) CHECK(r.design.replicate_draws[static_cast<std::size_t>(k)] == draw_parameters(x, k));
  fs::remove(o.output_path);
}

TEST_CASE("predictive uncertainty: bad [uncertainty] tables give located errors", "[batch][uncertainty][errors]") {
  const std::string head = "[experiment]\nname = \"u\"\nbase = \"../experiments/scenarios/history.toml\"\nreplicates = 2\nmaster_seed = 1\n[uncertainty]\n";
  auto error_of = [&](const std::string& text) {
    try {
      load_experiment(write_experiment("bad_uncertainty.toml", text));
    } catch (const ScenarioError& e) {
      return std::string(e.what());
    }
    FAIL("no error");
    return std::string();
  };
  CHECK_THAT(error_of(head + "[[uncertainty.parameter]]\npath = \"firm.Huawei.rd_share\"\ndistribution = \"beta\"\n"),
             Catch::Contains("bad_uncertainty.toml:") && Catch::Contains("uncertainty.parameter[0].distribution"));
  CHECK_THAT(error_of(head + "[[uncertainty.parameter]]\npath = \"firm.Nobody.rd_share\"\ndistribution = \"uniform\"\nmin = 0\nmax = 0.1\n"),
             Catch::Contains("bad_uncertainty.toml:") && Catch::Contains("Nobody"));
  CHECK_THAT(error_of(head + "calibration = \"missing.h5\"\n"), Catch::Contains("uncertainty.calibration"));
  CHECK_THAT(error_of(head), Catch::Contains("needs calibration"));
}

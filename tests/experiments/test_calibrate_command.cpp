// chipsim calibrate (experiments/calibrate_command.hpp): known parameters recovered from moments
// simulated at them (other seeds: the "data" are a different draw), within their standard
// errors; the same estimate at any thread count; located errors for bad files.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "experiments/calibrate_command.hpp"
#include "experiments/experiment_spec.hpp"
#include "sim/core/error.hpp"
#include "sim/pipeline/pipeline.hpp"
#include "sim/scenario/scenario.hpp"

using namespace chipsim;
namespace fs = std::filesystem;

namespace {
const std::string kWorld = std::string(CHIPSIM_SOURCE_DIR) + "/tests/experiments/calibration_world.toml";

std::string header(const std::string& extra = "") {
  return "[calibration]\nname = \"recovery\"\nscenario = \"" + kWorld + "\"\nreplicates = 2\nseed = 5\n" + extra +
         "\n[[parameter]]\nname = \"budget\"\npath = \"ai_firm.US_hyperscalers.budget_usd_per_month\"\nmin = 0.2e9\nmax = 1.5e9\n"
         "transform = \"log\"\nstart = 0.3e9\n"
         "\n[[parameter]]\npath = \"product.H100_SXM.appeal\"\nmin = 1.0\nmax = 5.0\nstart = 4.0\n";
}
// The moments (kind and arguments); targets filled in by the test.
const std::vector<std::string> kMoments = {
    "kind = \"revenue\"\nfirm = \"Nvidia\"\nperiod = \"2023\"\nunit = \"USD_billion\"\n",
    "kind = \"revenue\"\nfirm = \"Nvidia\"\nperiod = \"2024\"\nunit = \"USD_billion\"\n",
    "kind = \"average_price\"\nproduct = \"H100_SXM\"\nperiod = \"2024\"\nunit = \"USD_per_unit\"\n",
    "kind = \"unit_share\"\ndestination = \"US\"\nfirm = \"Nvidia\"\nperiod = \"2024\"\nunit = \"share\"\n",
};

std::string write(const std::string& name, const std::string& text) {
  const fs::path p = fs::temp_directory_path() / ("chipsim_calibrate_" + std::to_string(::getpid()) + "_" + name);
  std::ofstream(p) << text;
  return p.string();
}

std::string file_with_targets(const std::vector<double>& targets, const std::string& extra) {
  std::ostringstream os;
  os.precision(17);
  os << header(extra);
  for (std::size_t i = 0; i < kMoments.size(); ++i)
    os << "\n[[moment]]\n" << kMoments[i] << "target = " << targets[i] << "\nrelative_se = 0.05\nsource = \"simulated at known parameters\"\n";
  return os.str();
}
}  // namespace

TEST_CASE("calibrate: known parameters are recovered within their standard errors", "[calibrate][experiments]") {
  // "Data": the moments at known parameters, from four replicates with seeds the calibration
  // does not use.
  const double budget = 0.6e9, appeal = 2.5;
  const Model truth = load_scenario(kWorld, {{"ai_firm.US_hyperscalers.budget_usd_per_month", budget}, {"product.H100_SXM.appeal", appeal}});
  const CalibrationSpec probe = load_calibration_spec(write("probe.toml", file_with_targets({1, 1, 1, 1}, "")));
  std::vector<double> targets(kMoments.size(), 0.0);
  for (int r = 0; r < 4; ++r) {
    RunOptions ro;
    ro.seed = 999;
    ro.run = static_cast<std::uint64_t>(r);
    const State s = run_model(truth, ro);
    const auto m = calibration_moments(probe, truth, s.series);
    for (std::size_t i = 0; i < m.size(); ++i) targets[i] += m[i] / 4;
  }
  CalibrateOptions o;
  o.spec_path = write("recovery.toml", file_with_targets(targets, "global_algorithm = \"none\"\nlocal_evaluations = 80\nprofile_points = 3\n"));
  o.report_path = write("recovery.h5", "");
  fs::remove(o.report_path);
  o.threads = 2;
  o.progress = false;
  const CalibrateResult r = run_calibration(o);
  const Eigen::Vector2d known(budget, appeal);
  for (int k = 0; k < 2; ++k) {
    INFO(r.spec.parameters[static_cast<std::size_t>(k)].name << ": estimate " << r.msm.estimate(k) << ", standard error "
                                                             << r.msm.standard_error(k) << ", known " << known(k));
    REQUIRE(std::isfinite(r.msm.standard_error(k)));
    CHECK(std::abs(r.msm.estimate(k) - known(k)) < 2 * r.msm.standard_error(k));
    CHECK(r.msm.standard_error(k) < 0.5 * known(k));  // and the moments pin it down
  }
  CHECK(r.msm.j_p_value > 0.05);
  CHECK(fs::exists(o.report_path));
  CHECK_FALSE(fs::exists(o.report_path + ".journal"));  // removed once the report is written

  // Predictive uncertainty: a batch draws the identified estimates from the report.
  {
    const std::string experiment = write("draws.toml", "[experiment]\nname = \"d\"\nbase = \"" + kWorld +
                                                           "\"\nreplicates = 3\nmaster_seed = 4\n[uncertainty]\ncalibration = \"" + o.report_path + "\"\n");
    const ExperimentSpec x = load_experiment(experiment);
    REQUIRE(x.draws.size() == 2);
    CHECK(x.draws[0].paths == std::vector<std::string>{"ai_firm.US_hyperscalers.budget_usd_per_month"});
    CHECK(x.draws[1].mean == r.msm.estimate(1));
    double sum = 0, sq = 0;
    const int n = 3000;
    for (int k = 0; k < n; ++k) {
      const double v = draw_parameters(x, k)[1];
      sum += v, sq += v * v;
    }
    const double se = r.msm.standard_error(1), sd = std::sqrt(sq / n - (sum / n) * (sum / n));
    CHECK(std::abs(sum / n - r.msm.estimate(1)) < 0.2 * se + 1e-12);
    CHECK(sd == Approx(se).epsilon(0.25));  // truncation at the bounds narrows it a little, if at all
  }

  // One thread: the same estimate, bit for bit.
  o.threads = 1;
  const CalibrateResult one = run_calibration(o);
  CHECK(one.msm.estimate == r.msm.estimate);
  CHECK(one.msm.standard_error(0) == r.msm.standard_error(0));
  fs::remove(o.report_path);
}

TEST_CASE("calibrate: bad files give located errors", "[calibrate][experiments][errors]") {
  auto error_of = [&](const std::string& text) {
    CalibrateOptions o;
    o.spec_path = write("bad.toml", text);
    o.report_path = write("bad.h5", "");
    fs::remove(o.report_path);
    o.progress = false;
    try {
      run_calibration(o);
    } catch (const ScenarioError& e) {
      return std::string(e.what());
    }
    FAIL("no error");
    return std::string();
  };
  const std::string moment = "\n[[moment]]\nkind = \"revenue\"\nfirm = \"Nvidia\"\nperiod = \"2024\"\nunit = \"USD_billion\"\ntarget = 100\nse = 10\nsource = \"x\"\n";
  const std::string two = moment + "\n[[moment]]\nkind = \"hbm_revenue\"\nperiod = \"2024\"\nunit = \"USD_billion\"\ntarget = 18\nconfidence = \"M\"\nsource = \"x\"\n";
  // 2025 figures are for validate-fit only.
  std::string text = header() + two + "\n[[moment]]\nkind = \"hbm_revenue\"\nperiod = \"2025\"\nunit = \"USD_billion\"\ntarget = 40\nse = 5\nsource = \"x\"\n";
  CHECK_THAT(error_of(text), Catch::Contains("bad.toml:") && Catch::Contains("moment[2].period") && Catch::Contains("out-of-sample"));
  CHECK_THAT(error_of(header() + two + "\n[[moment]]\nkind = \"revenu\"\n"), Catch::Contains("unknown moment kind \"revenu\""));
  CHECK_THAT(error_of(header() + two + "\n[[moment]]\nkind = \"revenue\"\nperiod = \"2024\"\nunit = \"USD_billion\"\ntarget = 1\nse = 1\nsource = \"x\"\n"),
             Catch::Contains("moment[2].firm") && Catch::Contains("needs firm"));
  CHECK_THAT(error_of(header() + two + "\n[[moment]]\nkind = \"revenue\"\nfirm = \"Nvidia\"\nperiod = \"2023\"\nunit = \"share\"\ntarget = 1\nse = 1\nsource = \"x\"\n"),
             Catch::Contains("moment[2].unit"));
  CHECK_THAT(error_of(header() + two + "\n[[moment]]\nkind = \"revenue\"\nfirm = \"Nvidia\"\nperiod = \"2023\"\nunit = \"USD_billion\"\ntarget = 1\nsource = \"x\"\n"),
             Catch::Contains("exactly one of se, relative_se and confidence"));
  CHECK_THAT(error_of(header() + moment), Catch::Contains("fewer moments (1) than parameters (2)"));
  // A firm the scenario lacks: located at the moment, found by a probe run.
  CHECK_THAT(error_of(header() + two + "\n[[moment]]\nkind = \"revenue\"\nfirm = \"Nvidiaa\"\nperiod = \"2023\"\nunit = \"USD_billion\"\ntarget = 1\nse = 1\nsource = \"x\"\n"),
             Catch::Contains("bad.toml:") && Catch::Contains("no value for it"));
  // A path the scenario lacks: located at the parameter.
  std::string bad_path = header() + two;
  bad_path.replace(bad_path.find("product.H100_SXM.appeal"), 23, "product.H100_SXX.appeal");
  CHECK_THAT(error_of(bad_path), Catch::Contains("bad.toml:") && Catch::Contains("does not apply") && Catch::Contains("H100_SXX"));
  CHECK_THAT(error_of(header("weighting = \"best\"\n") + two), Catch::Contains("calibration.weighting"));
}

TEST_CASE("calibrate: two models on the same moments are compared, with the D test when one restricts the other", "[calibrate][experiments]") {
  const std::vector<double> targets = {30, 80, 30000, 0.8};
  CalibrateOptions o;
  o.spec_path = write("logit.toml", file_with_targets(targets, "global_algorithm = \"none\"\nlocal_evaluations = 20\nprofile_points = 0\n"));
  o.report_path = write("logit.h5", "");
  fs::remove(o.report_path);
  o.progress = false;
  const CalibrateResult a = run_calibration(o);
  // The same file (base) with one more free parameter: the first model is this one restricted.
  CalibrateOptions o2 = o;
  o2.spec_path = write("general.toml", "[calibration]\nbase = \"" + o.spec_path + "\"\nname = \"general\"\n\n[[parameter]]\n"
                                       "path = \"parameters.appeal_decay_per_generation\"\nmin = 0.1\nmax = 1.5\n");
  o2.report_path = write("general.h5", "");
  fs::remove(o2.report_path);
  const CalibrateResult b = run_calibration(o2);
  CHECK(b.spec.parameters.size() == 3);
  CHECK(b.spec.moments.size() == a.spec.moments.size());
  std::ostringstream text;
  print_model_comparison(a, b, text);
  CHECK_THAT(text.str(), Catch::Contains("D test of recovery as general restricted") && Catch::Contains("verdict"));
  // Different moments: not comparable.
  CalibrateResult c = b;
  c.spec.moments.pop_back();
  std::ostringstream other;
  print_model_comparison(a, c, other);
  CHECK_THAT(other.str(), Catch::Contains("not comparable"));
  fs::remove(o.report_path), fs::remove(o2.report_path);
}

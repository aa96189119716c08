// chipsim sensitivity (experiments/sensitivity_command.hpp): the same indices at any thread
// count, a design of the declared size, located errors for bad files.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "experiments/sensitivity_command.hpp"
#include "sim/core/error.hpp"
#include "support/worlds.hpp"

using namespace chipsim;
namespace fs = std::filesystem;

namespace {
const std::string kDir = std::string(CHIPSIM_SOURCE_DIR) + "/tests/experiments/";
// Bit for bit, NaN equal to NaN (an output outside the run's horizon, 2030 here, is NaN).
// A fresh temporary folder, removed at the end of the test.
struct ScratchDir {
  fs::path path;
  explicit ScratchDir(const std::string& name) : path(fs::temp_directory_path() / (name + "_" + std::to_string(::getpid()))) {
    fs::create_directories(path);
  }
  ~ScratchDir() { fs::remove_all(path); }
  // Writes `text` as <folder>/screen.toml and runs it.
  SensitivityResult screen(const std::string& text) const {
    std::ofstream(path / "screen.toml") << text;
    SensitivityOptions o;
    o.spec_path = (path / "screen.toml").string();
    return run_sensitivity(o);
  }
};

bool same(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].size() != b[i].size()) return false;
    for (std::size_t j = 0; j < a[i].size(); ++j)
      if (!(a[i][j] == b[i][j] || (std::isnan(a[i][j]) && std::isnan(b[i][j])))) return false;
  }
  return true;
}
}

TEST_CASE("sensitivity: a Morris screen gives the same indices with 1 and 2 threads", "[sensitivity][experiments]") {
  SensitivityOptions o;
  o.spec_path = kDir + "small_morris.toml";
  o.threads = 1;
  const SensitivityResult a = run_sensitivity(o);
  o.threads = 2;
  const SensitivityResult b = run_sensitivity(o);
  CHECK(a.runs == 2 * 3 * (2 + 1));
  REQUIRE(a.outputs.size() >= 3);
  CHECK(same(a.mu_star, b.mu_star));
  CHECK(same(a.sigma, b.sigma));
  CHECK(std::isnan(a.mu_star[1][0]));  // 2030 lies beyond the shortened history's horizon
  // Enforcement moves China's 2025 self-sufficiency (smuggling), so its mu* is positive.
  CHECK(a.mu_star[0][1] > 0);
}

TEST_CASE("sensitivity: bad files give located errors", "[sensitivity][experiments][errors]") {
  const std::string bad = (std::filesystem::temp_directory_path() / "chipsim_bad_sensitivity.toml").string();
  auto error_of = [&](const std::string& text) {
    { std::ofstream(bad) << text; }
    SensitivityOptions o;
    o.spec_path = bad;
    try {
      run_sensitivity(o);
    } catch (const ScenarioError& e) {
      return std::string(e.what());
    }
    FAIL("no error");
    return std::string();
  };
  const std::string head = "[sensitivity]\nname = \"x\"\nscenario = \"" + kDir + "small_history.toml\"\nbaseline = \"" + kDir +
                           "small_no_controls.toml\"\n";
  CHECK_THAT(error_of(head + "method = \"morris\"\ntrajectories = 2\n[[parameter]]\npath = \"firm.Nobody.rd_share\"\nmin = 0\nmax = 1\n"),
             Catch::Contains("chipsim_bad_sensitivity.toml:") && Catch::Contains("parameter.path") && Catch::Contains("Nobody"));
  CHECK_THAT(error_of(head + "method = \"sobel\"\n"), Catch::Contains("method") && Catch::Contains("\"morris\" or \"sobol\""));
  CHECK_THAT(error_of(head + "method = \"morris\"\ntrajectories = 2\nlevels = 3\n"), Catch::Contains("levels"));
  CHECK_THAT(error_of(head + "method = \"sobol\"\nsamples = 8\n[[parameter]]\npath = \"firm.Huawei.rd_share\"\nmin = 0.2\nmax = 0.1\n"),
             Catch::Contains("max") && Catch::Contains("above min"));
  std::filesystem::remove(bad);
}

TEST_CASE("sensitivity: assumptions = true screens every numeric ASSUMPTION key over its relative range", "[sensitivity][experiments]") {
  const ScratchDir dir("chipsim_sens_assumptions");
  std::string world = test::tiny_scenario("", "2024-06");
  const auto at = world.find("marginal_cost_usd = 5000");
  REQUIRE(at != std::string::npos);
  world.replace(at, std::string("marginal_cost_usd = 5000").size(), "marginal_cost_usd = 5000   # ASSUMPTION");
  world.replace(world.find("seed = 7"), 8, "seed = 7   # ASSUMPTION: a key no screen should move (whole number)");
  std::ofstream(dir.path / "world.toml") << world;
  const SensitivityResult r = dir.screen("[sensitivity]\nname = \"a\"\nscenario = \"world.toml\"\nbaseline = \"world.toml\"\nmethod = \"morris\"\n"
                                         "trajectories = 2\nassumptions = true\nrelative_range = 0.4\n");
  REQUIRE(r.parameters.size() == 1);
  CHECK(r.parameters[0] == "product.Big.marginal_cost_usd");
  CHECK(r.runs == 2 * 2 * 2);
}

TEST_CASE("sensitivity: calibration = FILE screens a calibration's parameters over their prior ranges", "[sensitivity][experiments]") {
  const ScratchDir dir("chipsim_sens_calibration");
  const SensitivityResult r = dir.screen("[sensitivity]\nname = \"c\"\nscenario = \"" + kDir + "calibration_world.toml\"\nbaseline = \"" + kDir +
                                         "calibration_world.toml\"\nmethod = \"morris\"\ntrajectories = 2\ncalibration = \"" + kDir +
                                         "small_calibration.toml\"\n");
  REQUIRE(r.parameters.size() == 2);
  CHECK(r.parameters[0] == "ai_firm.US_hyperscalers.budget_usd_per_month");
  CHECK(r.runs == 2 * 2 * 3);
}

TEST_CASE("sensitivity: without a baseline each point is one run and the outputs are revenue levels", "[sensitivity][experiments]") {
  const ScratchDir dir("chipsim_sens_nobase");
  const SensitivityResult r = dir.screen("[sensitivity]\nname = \"n\"\nscenario = \"" + kDir +
                                         "small_history.toml\"\nmethod = \"morris\"\ntrajectories = 2\nseed = 5\n"
                                         "[[parameter]]\npath = \"government.US.enforcement\"\nmin = 0.8\nmax = 1.0\n");
  CHECK(r.runs == 2 * 2);
  REQUIRE(r.outputs.size() > 2);
  CHECK(r.outputs[2].rfind("revenue Nvidia", 0) == 0);
  CHECK(r.mu_star[0][0] > 0);  // enforcement moves China's 2025 self-sufficiency
}

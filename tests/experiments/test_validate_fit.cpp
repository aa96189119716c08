// chipsim validate-fit (experiments/validate_fit.hpp): every shipped 2025 figure gets a simulated
// value and a verdict that follows its tolerance; the figures never enter a calibration; bad rows
// give errors naming the file, line and column.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "calibration/calibration_spec.hpp"
#include "experiments/validate_fit.hpp"
#include "sim/core/error.hpp"

using namespace chipsim;
namespace fs = std::filesystem;

namespace {
const std::string kSource = CHIPSIM_SOURCE_DIR;
const std::string kFigures = kSource + "/calibration/data/figures_2025.csv";
const std::string kHeader = "figure,kind,arguments,period,value,unit,tolerance,tolerance_type,source,note\n";
}  // namespace

TEST_CASE("validate-fit: each 2025 figure has a value and a verdict by its tolerance", "[validate_fit][experiments]") {
  const ValidationResult r = validate_fit(kSource + "/tests/experiments/small_history.toml", kFigures, 3, 0, 2);
  REQUIRE(r.figures.size() >= 6);
  int passed = 0;
  for (const ValidationFigure& f : r.figures) {
    INFO(f.figure);
    CHECK(std::isfinite(f.simulated));
    const double error = f.tolerance_type == "relative" ? std::abs(f.simulated / f.value - 1) : std::abs(f.simulated - f.value);
    CHECK(f.pass == (error <= f.tolerance));
    passed += f.pass;
    CHECK_FALSE(f.source.empty());
  }
  CHECK(r.passed == passed);
  // The same at one thread.
  const ValidationResult one = validate_fit(kSource + "/tests/experiments/small_history.toml", kFigures, 3, 0, 1);
  for (std::size_t i = 0; i < r.figures.size(); ++i) CHECK(one.figures[i].simulated == r.figures[i].simulated);
}

TEST_CASE("validate-fit: the shipped calibration uses no 2025 figure", "[validate_fit][calibrate]") {
  const CalibrationSpec spec = load_calibration_spec(kSource + "/calibration/history.calib.toml");
  CHECK(spec.moments.size() >= 25);
  for (const CalibrationMoment& m : spec.moments) {
    INFO(m.name);
    CHECK(m.window.last.year <= 2024);
  }
}

TEST_CASE("validate-fit: bad figure files name the line and column", "[validate_fit][errors]") {
  const std::string path = (fs::temp_directory_path() / "chipsim_bad_figures.csv").string();
  auto error_of = [&](const std::string& text) {
    { std::ofstream(path) << text; }
    try {
      validate_fit(kSource + "/tests/experiments/small_history.toml", path, 1, 0, 1);
    } catch (const ScenarioError& e) {
      return std::string(e.what());
    }
    FAIL("no error");
    return std::string();
  };
  const std::string ok = "x,revenue,firm=Nvidia,2025,100,USD_billion,0.2,relative,src,\n";
  CHECK_THAT(error_of("figure,kind\n" + ok), Catch::Contains("chipsim_bad_figures.csv:1") && Catch::Contains("header"));
  CHECK_THAT(error_of(kHeader + ok + "y,revenu,firm=Nvidia,2025,1,USD_billion,0.2,relative,src,\n"),
             Catch::Contains("chipsim_bad_figures.csv:3") && Catch::Contains("column 2 (kind)"));
  CHECK_THAT(error_of(kHeader + "y,revenue,frm=Nvidia,2025,1,USD_billion,0.2,relative,src,\n"), Catch::Contains("column 3 (arguments)"));
  CHECK_THAT(error_of(kHeader + "y,revenue,firm=Nvidia,2025,abc,USD_billion,0.2,relative,src,\n"), Catch::Contains("column 5 (value)"));
  CHECK_THAT(error_of(kHeader + "y,revenue,firm=Nvidia,2025,1,USD_billion,0.2,percentish,src,\n"), Catch::Contains("column 8 (tolerance_type)"));
  CHECK_THAT(error_of(kHeader + "y,revenue,firm=Nvidia,2025,1,USD_billion,0.2,relative,,\n"), Catch::Contains("column 9 (source)"));
  CHECK_THAT(error_of(kHeader + "y,revenue,firm=Nvidia,sometime,1,USD_billion,0.2,relative,src,\n"), Catch::Contains("column 4 (period)"));
  fs::remove(path);
}

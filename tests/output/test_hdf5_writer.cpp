#include <catch2/catch.hpp>

#include <hdf5.h>
#include <tbb/global_control.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "output/hdf5_writer.hpp"
#include "output/run_summary.hpp"
#include "sim/pipeline/pipeline.hpp"
#include "sim/scenario/scenario.hpp"
#include "support/worlds.hpp"

using namespace chipsim;
namespace fs = std::filesystem;

namespace {
// A world with many buyers, so that the market pass really splits work across threads.
std::string crowded_scenario(int n_buyers) {
  std::string extra;
  for (int i = 0; i < n_buyers; ++i) {
    extra += "\n[[ai_firm]]\nname = \"buyer" + std::to_string(i) + "\"\ncountry = \"" + (i % 3 ? "US" : "CN") +
             "\"\nbudget_usd_per_month = " + std::to_string(1e6 * (1 + i % 17)) +
             "\nprice_sensitivity_per_kusd = " + std::to_string(0.05 + 0.001 * (i % 50)) +
             "\nhome_bias = " + std::to_string(0.01 * (i % 7)) + "\n";
  }
  return test::tiny_scenario(extra, "2025-06");
}

std::vector<double> read_dataset(const std::string& path, const std::string& name) {
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(f >= 0);
  const hid_t d = H5Dopen2(f, name.c_str(), H5P_DEFAULT);
  REQUIRE(d >= 0);
  const hid_t s = H5Dget_space(d);
  const auto n = static_cast<std::size_t>(H5Sget_simple_extent_npoints(s));
  std::vector<double> v(n);
  REQUIRE(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0);
  H5Sclose(s);
  H5Dclose(d);
  H5Fclose(f);
  return v;
}

Series run_with_threads(const Model& m, int threads) {
  tbb::global_control c(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  RunOptions o;
  o.seed = 5;
  return run_model(m, o).series;
}
}  // namespace

TEST_CASE("results are bit-identical with 1 and 2 threads, in memory and on disk", "[output][determinism]") {
  const Model m = load_scenario_text(crowded_scenario(1500), "crowded.toml");
  const Series one = run_with_threads(m, 1);
  const Series two = run_with_threads(m, 2);
  REQUIRE(one.variables().size() == two.variables().size());
  for (std::size_t k = 0; k < one.variables().size(); ++k) {
    const auto& a = one.variables()[k].data;
    const auto& b = two.variables()[k].data;
    INFO(one.variables()[k].name);
    REQUIRE(a.size() == b.size());
    CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
  }
  const fs::path dir = fs::temp_directory_path() / "chipsim_test_output";
  fs::create_directories(dir);
  const std::string p1 = (dir / "t1.h5").string(), p2 = (dir / "t2.h5").string();
  write_run_file(p1, m, one, RunMetadata{5, 0, 1, "", "", "", false, {}});
  write_run_file(p2, m, two, RunMetadata{5, 0, 2, "", "", "", true, {}});  // compression must not change values
  for (const char* name : {"price", "units_sold", "revenue", "self_sufficiency_value", "compute_stock"}) {
    const auto a = read_dataset(p1, name), b = read_dataset(p2, name);
    INFO(name);
    REQUIRE(a.size() == b.size());
    CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
    const auto& mem = one.variable(name).data;
    CHECK(std::memcmp(a.data(), mem.data(), a.size() * sizeof(double)) == 0);
  }
  fs::remove_all(dir);
}

TEST_CASE("a failed write leaves no partial file and an existing file untouched", "[output][errors]") {
  const Model m = load_scenario_text(test::tiny_scenario(), "tiny.toml");
  const Series s = run_with_threads(m, 1);
  const fs::path dir = fs::temp_directory_path() / "chipsim_test_failed_write";
  fs::remove_all(dir);
  fs::create_directories(dir / "occupied");
  SECTION("missing directory") {
    const std::string target = (dir / "no_such_dir" / "out.h5").string();
    CHECK_THROWS_AS(write_run_file(target, m, s, RunMetadata{}), IoError);
    CHECK_FALSE(fs::exists(target));
  }
  SECTION("target is a directory: rename fails, the temporary file is removed") {
    const std::string target = (dir / "occupied").string();
    try {
      write_run_file(target, m, s, RunMetadata{});
      FAIL("wrote over a directory");
    } catch (const IoError& e) {
      CHECK_THAT(std::string(e.what()), Catch::Contains(target));
    }
    CHECK(fs::is_directory(target));
    int leftovers = 0;
    for (const auto& e : fs::directory_iterator(dir)) leftovers += e.path().filename().string().find(".tmp-") != std::string::npos;
    CHECK(leftovers == 0);
  }
  SECTION("rewriting an existing file replaces it atomically") {
    const std::string target = (dir / "out.h5").string();
    { std::ofstream(target) << "old contents"; }
    write_run_file(target, m, s, RunMetadata{});
    CHECK(read_dataset(target, "price").size() == s.variable("price").data.size());
  }
  fs::remove_all(dir);
}

TEST_CASE("a run whose pricing solver hits its iteration cap is flagged, a converged one is not", "[output][pricing]") {
  const test::Run converged = test::run(test::tiny_scenario());
  CHECK(pricing_convergence_warning(converged.model, converged.state.series).empty());
  const test::Run capped = test::run(test::tiny_scenario("\n[parameters]\npricing_max_iterations = 1\n"));
  const std::string warning = pricing_convergence_warning(capped.model, capped.state.series);
  CHECK_THAT(warning, Catch::Contains("iteration cap") && Catch::Contains("pricing_max_iterations") && Catch::Contains("2024-01"));
}

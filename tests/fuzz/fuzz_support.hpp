#pragma once
// Shared by the loader fuzz targets (libFuzzer, `-DCHIPSIM_FUZZ=ON` with clang) and by their
// corpus replay (any compiler, run by CTest on every build): where inputs are written so that
// relative paths in them resolve to the shipped scenarios, and what counts as a finding.
//
// A finding is a crash, a sanitizer report, a hang, or an exception that is not a chipsim::Error
// (an "internal error" for the user). A chipsim::Error is the expected answer to a bad file; with
// CHIPSIM_FUZZ_REPORT=1 in the environment, errors without a file:line location are printed
// (the tally of unlocated errors).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <new>
#include <string>

#include "sim/core/error.hpp"

#ifndef CHIPSIM_SOURCE_DIR
#error "CHIPSIM_SOURCE_DIR must name the project's source folder"
#endif

namespace chipsim::fuzz {

// A scratch folder made once per process: examples/ holds links to every shipped and test
// experiment, deals and scenario file, scenarios/ links to experiments/scenarios, so that
// "../scenarios/history.toml" and "small_history.toml" both resolve from examples/input.toml.
inline const std::filesystem::path& scratch() {
  static const std::filesystem::path dir = [] {
    namespace fs = std::filesystem;
    const fs::path src(CHIPSIM_SOURCE_DIR);
    std::string pattern = (fs::temp_directory_path() / "chipsim-fuzz-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) std::abort();
    const fs::path root(pattern);
    fs::create_directories(root / "examples");
    fs::create_directory_symlink(src / "experiments" / "scenarios", root / "scenarios");
    for (const fs::path& d : {src / "experiments" / "examples", src / "tests" / "experiments"})
      for (const auto& e : fs::directory_iterator(d))
        if (e.path().extension() == ".toml" && !fs::exists(root / "examples" / e.path().filename()))
          fs::create_symlink(e.path(), root / "examples" / e.path().filename());
    std::atexit([] { std::error_code ec; fs::remove_all(scratch(), ec); });
    return root;
  }();
  return dir;
}

// Writes the input where a user's file would be and returns its path.
inline std::string write_input(const std::uint8_t* data, std::size_t size) {
  const std::string path = (scratch() / "examples" / "input.toml").string();
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

// Runs `load`; a chipsim::Error is an answer, anything else a finding (abort).
template <class Load>
void expect_answer(Load&& load) {
  static const bool report = std::getenv("CHIPSIM_FUZZ_REPORT") != nullptr;
  try {
    load();
  } catch (const ScenarioError& e) {
    if (report && e.where().line == 0) std::fprintf(stderr, "unlocated: %s\n", e.what());
  } catch (const IoError& e) {
    if (report) std::fprintf(stderr, "io: %s\n", e.what());
  } catch (const Error& e) {
    if (report) std::fprintf(stderr, "unlocated: %s\n", e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "finding: an exception that is not a chipsim::Error: %s\n", e.what());
    std::abort();
  }
}

}  // namespace chipsim::fuzz

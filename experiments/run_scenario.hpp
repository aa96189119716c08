#pragma once
// Running one scenario end to end: load, simulate, write the HDF5 file, summarise.
#include <cstdint>
#include <optional>
#include <string>

#include "sim/core/model.hpp"
#include "sim/core/state.hpp"

namespace chipsim {

struct RunRequest {
  std::string scenario_path;
  std::string output_path;             // empty: do not write a file
  std::optional<std::uint64_t> seed;   // default: the scenario's seed
  std::uint64_t run = 0;
  int threads = 0;                     // 0: all cores
  bool compress = false;
  std::string command_line;
};

struct RunResult {
  Model model;
  State state;
  double wall_seconds = 0;
};

// Throws chipsim::Error (ScenarioError, InvariantError, IoError) on failure.
RunResult run_scenario(const RunRequest& request);

}  // namespace chipsim

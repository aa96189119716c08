#pragma once
// The period pipeline (docs/SPEC.md §5): a short, fixed list of named stages, each
// f(const Model&, State&). This is the one file that sees both the markets (sim/) and the
// agents' rules (agents/). Stages of §5 not built in this version are absent, not faked.
#include <cstdint>
#include <functional>
#include <span>

#include "sim/core/model.hpp"
#include "sim/core/state.hpp"

namespace chipsim {

struct Stage {
  const char* name;
  void (*run)(const Model&, State&);
};

// The stages of one period, in order.
std::span<const Stage> period_pipeline();

struct RunOptions {
  std::uint64_t seed = 0;
  std::uint64_t run = 0;          // run index within a batch (part of the RNG key)
  bool check_invariants = true;   // conservation checks after accounting
  // Called after each period (e.g. progress); may be empty.
  std::function<void(int period, int n_periods)> on_period;
};

// Runs the whole horizon and returns the final State (with the recorded series).
State run_model(const Model& model, const RunOptions& options);

}  // namespace chipsim

#pragma once
// Deterministic, counter-based randomness (docs/SPEC.md §8). Every draw is a pure function of
// (seed, run, agent, period, purpose, draw index): Philox4x64-10 from Random123 with the
// key (seed, run) and the counter (agent, period, purpose, draw). No engine is shared or
// advanced, so results cannot depend on thread count or scheduling order.
#include <cstdint>

namespace chipsim {

// Why a random number is drawn; part of the counter so that streams never overlap.
enum class RandomPurpose : std::uint64_t {
  licence_approval = 1,     // is an export licence granted this period?
  generation_arrival = 2,   // the exponential threshold of a firm's next generation (once per generation)
  stochastic_event = 3,     // the exponential threshold of a stochastic event (once per event)
  enforcement_leak = 4,     // grey-market leakage
  synthetic_world = 5,      // building benchmark/test worlds
  ally_adoption = 6,        // does an ally mirror a rule?
  replicate_seed = 7,       // seeds of an experiment's replicates
  sweep_design = 8,         // Latin-hypercube permutations
  generation_specs = 9,     // specs of a generation ladder's rung, drawn once per rung
  parameter_draw = 10,      // a batch replicate's draw of an uncertain parameter (predictive uncertainty)
};

struct RandomKey {
  std::uint64_t seed = 0;
  std::uint64_t run = 0;
};

// Four independent 64-bit words for one (agent, period, purpose, draw).
struct RandomBlock {
  std::uint64_t word[4];
};

RandomBlock random_block(RandomKey key, std::uint64_t agent, std::uint64_t period, RandomPurpose purpose,
                         std::uint64_t draw = 0);

// Uniform in [0, 1) with 53 random bits: (word >> 11) * 2^-53.
double uniform01(RandomKey key, std::uint64_t agent, std::uint64_t period, RandomPurpose purpose,
                 std::uint64_t draw = 0);

// Exponential with mean 1, -ln(1 - u): the integrated hazard at which a hazard process fires.
// Drawing it once and firing when the summed hazard reaches it is the same process as a draw per
// period with probability 1 - exp(-hazard), but the same seed gives the same threshold at any
// time step (monthly and quarterly runs then share their random arrivals).
double exponential_threshold(RandomKey key, std::uint64_t agent, std::uint64_t slot, RandomPurpose purpose);

// Standard normal via Box-Muller on two words of one block (uses only exact arithmetic
// plus std::log/std::cos/std::sqrt from one libm; recorded in provenance as the build).
double standard_normal(RandomKey key, std::uint64_t agent, std::uint64_t period, RandomPurpose purpose,
                       std::uint64_t draw = 0);

}  // namespace chipsim

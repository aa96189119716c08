#include "sim/core/rng.hpp"

#include <Random123/philox.h>

#include <cmath>
#include <numbers>

namespace chipsim {

namespace {
constexpr double kTwoToMinus53 = 1.0 / 9007199254740992.0;  // 2^-53
double to_unit(std::uint64_t w) { return static_cast<double>(w >> 11) * kTwoToMinus53; }
}  // namespace

RandomBlock random_block(RandomKey key, std::uint64_t agent, std::uint64_t period, RandomPurpose purpose,
                         std::uint64_t draw) {
  r123::Philox4x64 philox;
  r123::Philox4x64::key_type k = {{key.seed, key.run}};
  r123::Philox4x64::ctr_type c = {{agent, period, static_cast<std::uint64_t>(purpose), draw}};
  const auto r = philox(c, k);
  return RandomBlock{{r[0], r[1], r[2], r[3]}};
}

double uniform01(RandomKey key, std::uint64_t agent, std::uint64_t period, RandomPurpose purpose,
                 std::uint64_t draw) {
  return to_unit(random_block(key, agent, period, purpose, draw).word[0]);
}

double exponential_threshold(RandomKey key, std::uint64_t agent, std::uint64_t slot, RandomPurpose purpose) {
  return -std::log(1.0 - uniform01(key, agent, slot, purpose));  // 1 - u in (0, 1]
}

double standard_normal(RandomKey key, std::uint64_t agent, std::uint64_t period, RandomPurpose purpose,
                       std::uint64_t draw) {
  const RandomBlock b = random_block(key, agent, period, purpose, draw);
  const double u1 = 1.0 - to_unit(b.word[0]);  // (0, 1]
  const double u2 = to_unit(b.word[1]);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

}  // namespace chipsim

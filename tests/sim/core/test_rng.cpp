#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include "sim/core/rng.hpp"

using namespace chipsim;

TEST_CASE("Philox4x64-10 matches the Random123 known-answer vector", "[rng]") {
  // Random123 kat_vectors: philox4x64 10, counter 0, key 0.
  const RandomBlock b = random_block(RandomKey{0, 0}, 0, 0, static_cast<RandomPurpose>(0), 0);
  CHECK(b.word[0] == 0x16554d9eca36314cULL);
  CHECK(b.word[1] == 0xdb20fe9d672d0fdcULL);
  CHECK(b.word[2] == 0xd7e772cee186176bULL);
  CHECK(b.word[3] == 0x7e68b68aec7ba23bULL);
}

TEST_CASE("draws are pure functions of (seed, run, agent, period, purpose, draw)", "[rng]") {
  const RandomKey k{42, 3};
  const double a = uniform01(k, 5, 7, RandomPurpose::licence_approval);
  CHECK(a == uniform01(k, 5, 7, RandomPurpose::licence_approval));
  std::set<double> distinct = {a,
                               uniform01(RandomKey{43, 3}, 5, 7, RandomPurpose::licence_approval),
                               uniform01(RandomKey{42, 4}, 5, 7, RandomPurpose::licence_approval),
                               uniform01(k, 6, 7, RandomPurpose::licence_approval),
                               uniform01(k, 5, 8, RandomPurpose::licence_approval),
                               uniform01(k, 5, 7, RandomPurpose::generation_arrival),
                               uniform01(k, 5, 7, RandomPurpose::licence_approval, 1)};
  CHECK(distinct.size() == 7);
}

TEST_CASE("uniform and normal draws have the right moments", "[rng]") {
  const RandomKey k{2024, 0};
  const int n = 200000;
  double sum = 0, sum2 = 0, zsum = 0, zsum2 = 0;
  double lo = 1, hi = 0;
  for (int i = 0; i < n; ++i) {
    const double u = uniform01(k, static_cast<std::uint64_t>(i), 0, RandomPurpose::stochastic_event);
    lo = std::min(lo, u);
    hi = std::max(hi, u);
    sum += u;
    sum2 += u * u;
    const double z = standard_normal(k, static_cast<std::uint64_t>(i), 1, RandomPurpose::stochastic_event);
    zsum += z;
    zsum2 += z * z;
  }
  CHECK(lo >= 0.0);
  CHECK(hi < 1.0);
  // Standard errors: mean 1/sqrt(12 n) ~ 6.5e-4; 5 sigma bounds.
  CHECK(std::abs(sum / n - 0.5) < 5 * std::sqrt(1.0 / 12 / n));
  CHECK(std::abs(sum2 / n - sum * sum / n / n - 1.0 / 12) < 2e-3);
  CHECK(std::abs(zsum / n) < 5 / std::sqrt(n));
  CHECK(std::abs(zsum2 / n - 1.0) < 0.02);
}

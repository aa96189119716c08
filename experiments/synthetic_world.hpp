#pragma once
// A synthetic world for benchmarks and scale tests: many AI firms and products with random
// (seeded) attributes, built directly as a Model (a TOML file of 100,000 AI firms would only
// measure the parser).
#include <cstdint>
#include <string>

#include "sim/model.hpp"

namespace chipsim {

// logit_evaluation: the [demand] evaluation key of the logit ("auto", "direct", "series").
Model synthetic_world(int n_ai_firms, int n_products, int n_firms, int n_countries, int n_periods, std::uint64_t seed,
                      const std::string& logit_evaluation = "auto");

}  // namespace chipsim

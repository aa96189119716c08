#pragma once
// A synthetic world for benchmarks and scale tests: many AI firms and products with random
// (seeded) attributes, built directly as a Model (a TOML file of 100,000 AI firms would only
// measure the parser).
#include <cstdint>
#include <string>

#include "sim/core/model.hpp"

namespace chipsim {

// demand_model: "logit" or "nested_logit" (its default nests, "domestic", lambda 0.7);
// evaluation: the model's [demand] evaluation key ("auto", "direct", "series").
Model synthetic_world(int n_ai_firms, int n_products, int n_firms, int n_countries, int n_periods, std::uint64_t seed,
                      const std::string& evaluation = "auto", const std::string& demand_model = "logit");

}  // namespace chipsim

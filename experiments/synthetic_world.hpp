#pragma once
// A synthetic world for benchmarks and scale tests: many AI firms and products with random
// (seeded) attributes, built directly as a Model (a TOML file of 100,000 AI firms would only
// measure the parser).
#include <cstdint>
#include <string>

#include "sim/core/model.hpp"

namespace chipsim {

// demand_model: "logit" or "nested_logit" (its default nests, "domestic", lambda 0.7);
// evaluation: the model's [demand] evaluation key ("auto", "direct", "series");
// capacity_scale multiplies every product's capacity (units per month; 1 = 20k..220k per product,
// which binds for most products once there are ~1,000 of them; 1e3 = slack everywhere).
// learning_rate: every firm's unit-cost decline per doubling of cumulative output (Wright's law;
// 0 = costs fixed, so that with slack capacity the logit prices never move: they do not depend
// on budgets; most of history's accelerator makers learn at 0.10).
Model synthetic_world(int n_ai_firms, int n_products, int n_firms, int n_countries, int n_periods, std::uint64_t seed,
                      const std::string& evaluation = "auto", const std::string& demand_model = "logit",
                      double capacity_scale = 1.0, double learning_rate = 0.0);

}  // namespace chipsim

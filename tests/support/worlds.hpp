#pragma once
// Small worlds built inside tests, independent of the shipped scenarios.
#include <string>

#include "sim/demand/market_data.hpp"
#include "sim/core/model.hpp"
#include "sim/core/state.hpp"

namespace chipsim::test {

// A random logit market: buyers in `n_countries` countries, products owned by `n_firms`
// firms, prices, tariffs, fees and some masked (product, country) pairs. Deterministic in seed.
MarketData random_market(int n_buyers, int n_products, int n_firms, int n_countries, std::uint64_t seed,
                         bool with_wedges = true);

// A tiny two-country scenario as TOML text (US maker, CN maker, US and CN buyers); extra
// TOML (events, tariffs) is appended verbatim.
std::string tiny_scenario(const std::string& extra = "", const std::string& horizon = "2024-12");

// Runs a scenario text through loader and pipeline.

State run_text(const std::string& toml, std::uint64_t seed = 1);

// A loaded model and the state of its run (for tests that need both).
struct Run {
  Model model;
  State state;
};
Run run(const std::string& toml, std::uint64_t seed = 1, const std::string& file = "tiny.toml");

}  // namespace chipsim::test

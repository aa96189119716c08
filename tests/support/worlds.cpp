#include "support/worlds.hpp"

#include "sim/pipeline/pipeline.hpp"
#include "sim/core/rng.hpp"
#include "sim/scenario/scenario.hpp"

#include <cmath>

namespace chipsim::test {

MarketData random_market(int A, int P, int F, int C, std::uint64_t seed, bool with_wedges) {
  const RandomKey key{seed, 0};
  auto u = [&](std::uint64_t agent, std::uint64_t draw) {
    return uniform01(key, agent, 0, RandomPurpose::synthetic_world, draw);
  };
  MarketData m;
  m.n_countries = C;
  m.n_owners = F;
  m.market_size.resize(A);
  m.alpha.resize(A);
  m.home_bias.resize(A);
  m.buyer_country.resize(A);
  for (int i = 0; i < A; ++i) {
    m.market_size(i) = 100.0 + 900.0 * u(i, 0);
    m.alpha(i) = (0.05 + 0.1 * u(i, 1)) / 1000.0;  // utils per USD
    m.home_bias(i) = with_wedges ? u(i, 2) : 0.0;
    m.buyer_country[i] = static_cast<int>(u(i, 3) * C);
  }
  m.mean_utility.resize(P);
  m.marginal_cost.resize(P);
  m.capacity.resize(P);
  m.performance.resize(P);
  m.units_per_choice.resize(P);
  m.product_origin.resize(P);
  m.product_owner.resize(P);
  for (int j = 0; j < P; ++j) {
    const std::uint64_t a = 1000000 + j;
    m.mean_utility(j) = -1.0 + 3.0 * u(a, 0);
    m.marginal_cost(j) = 2000.0 + 8000.0 * u(a, 1);
    m.capacity(j) = 1e12;  // not binding unless a test says so
    m.performance(j) = 0.2 + 2.0 * u(a, 2);
    m.units_per_choice(j) = with_wedges ? 1.0 / std::sqrt(m.performance(j)) : 1.0;  // theta = 0.5 or 0
    m.product_owner[j] = j % F;
    m.product_origin[j] = static_cast<int>(u(a, 3) * C);
  }
  m.available = Eigen::ArrayXXd::Ones(P, C);
  m.tariff_rate = Eigen::ArrayXXd::Zero(P, C);
  m.licence_fee = Eigen::ArrayXXd::Zero(P, C);
  if (with_wedges)
    for (int j = 0; j < P; ++j)
      for (int c = 0; c < C; ++c) {
        const double r = u(2000000 + j * C + c, 0);
        if (r < 0.15) m.available(j, c) = 0;
        if (m.product_origin[j] != c) m.tariff_rate(j, c) = 0.3 * u(2000000 + j * C + c, 1);
        if (r > 0.8) m.licence_fee(j, c) = 0.2 * u(2000000 + j * C + c, 2);
      }
  return m;
}

std::string tiny_scenario(const std::string& extra, const std::string& horizon) {
  return R"(
[scenario]
name = "tiny"
start = "2024-01"
horizon = ")" + horizon + R"("
seed = 7
record_ai_firm_series = true

[[country]]
code = "US"
[[country]]
code = "CN"

[[firm]]
name = "Nvidia"
home = "US"
kind = "accelerator"
[[firm]]
name = "Huawei"
home = "CN"
kind = "accelerator"

[[product]]
name = "Big"
kind = "accelerator"
owner = "Nvidia"
launch = "2020-01"
tpp = 15832
perf_density = 19.4
interconnect_GBps = 900
memory_bandwidth_GBps = 3350
appeal = 2.0
marginal_cost_usd = 5000
capacity_units_per_month = 1e9

[[product]]
name = "Small"
kind = "accelerator"
owner = "Nvidia"
launch = "2020-01"
tpp = 2368
perf_density = 2.9
interconnect_GBps = 900
memory_bandwidth_GBps = 4000
appeal = 2.0
marginal_cost_usd = 4000
capacity_units_per_month = 1e9

[[product]]
name = "Ascend"
kind = "accelerator"
owner = "Huawei"
launch = "2020-01"
tpp = 5120
perf_density = 7.7
appeal = 1.0
marginal_cost_usd = 6000
capacity_units_per_month = 1e9

[[ai_firm]]
name = "USLab"
country = "US"
budget_usd_per_month = 1e9
price_sensitivity_per_kusd = 0.08

[[ai_firm]]
name = "CNLab"
country = "CN"
budget_usd_per_month = 3e8
price_sensitivity_per_kusd = 0.10
home_bias = 0.5
)" + extra;
}

State run_text(const std::string& toml, std::uint64_t seed) {
  const Model m = load_scenario_text(toml, "tiny.toml");
  RunOptions o;
  o.seed = seed;
  return run_model(m, o);
}

Run run(const std::string& toml, std::uint64_t seed, const std::string& file) {
  Model m = load_scenario_text(toml, file);
  RunOptions o;
  o.seed = seed;
  State s = run_model(m, o);
  return {std::move(m), std::move(s)};
}

}  // namespace chipsim::test

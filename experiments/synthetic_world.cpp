#include "experiments/synthetic_world.hpp"

#include <toml++/toml.h>

#include "sim/demand/demand_model.hpp"
#include "sim/core/error.hpp"
#include "sim/core/rng.hpp"
#include "sim/scenario/table_reader.hpp"

namespace chipsim {

Model synthetic_world(int n_ai_firms, int n_products, int n_firms, int n_countries, int n_periods, std::uint64_t seed,
                      const std::string& evaluation, const std::string& demand_model, double capacity_scale,
                      double learning_rate) {
  const RandomKey key{seed, 0};
  auto u = [&](std::uint64_t agent, std::uint64_t draw) { return uniform01(key, agent, 0, RandomPurpose::synthetic_world, draw); };
  Model m;
  m.name = "synthetic";
  m.description = "synthetic world for benchmarks";
  m.scenario_file = "<synthetic>";
  m.scenario_text = "# synthetic world: " + std::to_string(n_ai_firms) + " AI firms x " + std::to_string(n_products) + " products";
  m.calendar = Calendar{{2030, 1}, Month::from_serial(Month{2030, 1}.serial() + n_periods - 1), 1};
  const toml::table demand{{"evaluation", evaluation}};
  TableReader demand_keys(demand, "<synthetic>", "demand");
  m.demand = make_demand_model(demand_model, demand_keys, m);
  if (!m.demand) throw Error("synthetic world: no demand model named " + demand_model);
  demand_keys.finish();
  m.parameters.compute_denominated_demand = 1.0;
  m.parameters.pricing_tolerance = 1e-8;
  for (int c = 0; c < n_countries; ++c) m.countries.push_back({"C" + std::to_string(c), "country " + std::to_string(c)});
  for (int f = 0; f < n_firms; ++f) {
    Firm firm;
    firm.name = "firm" + std::to_string(f);
    firm.home = f % n_countries;
    firm.learning_rate = learning_rate;
    m.firms.push_back(firm);
  }
  for (int j = 0; j < n_products; ++j) {
    Product p;
    p.name = "product" + std::to_string(j);
    p.owner = j % n_firms;
    p.origin = p.fab = m.firms[static_cast<std::size_t>(p.owner)].home;
    p.launch = m.calendar.start;
    p.attributes = unknown_attributes();
    const double tpp = 2000 + 30000 * u(1000000 + j, 0);
    p.attributes[static_cast<int>(Attribute::tpp)] = tpp;
    p.performance_h100e = tpp / m.parameters.performance_reference_tpp;
    p.appeal = 2 * u(1000000 + j, 1);
    p.marginal_cost_usd = 2000 + 6000 * u(1000000 + j, 2);
    p.capacity_units = (2e4 + 2e5 * u(1000000 + j, 3)) * capacity_scale;
    p.learning_reference_units = 2e4 + 2e5 * u(1000000 + j, 3);
    m.products.push_back(p);
    m.products_of_kind[0].push_back(j);
  }
  for (int i = 0; i < n_ai_firms; ++i) {
    AiFirm a;
    a.name = "ai" + std::to_string(i);
    a.country = static_cast<int>(u(i, 0) * n_countries);
    a.budget_usd_per_month = 1e6 + 5e7 * u(i, 1);
    a.budget_growth_per_month = 0.01;
    a.price_sensitivity_per_usd = (0.05 + 0.1 * u(i, 2)) / 1000.0;
    a.home_bias = u(i, 3);
    a.compute_depreciation = 0.02;
    m.ai_firms.push_back(a);
  }
  return m;
}

}  // namespace chipsim

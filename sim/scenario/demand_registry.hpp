#pragma once
// The registry of demand models (docs/SPEC.md §4): maps the name in a scenario's [demand]
// table ("logit", "nested_logit", "constant_elasticity") to a factory. Each model registers
// itself from its own source file in sim/demand/ (LAMMPS style), so the scenario loader
// builds a model by name without knowing any model. The interface itself (DemandModel) is
// in sim/demand/demand_model.hpp; this wing only holds instances, through shared_ptr, so it
// needs no more than a declaration of it.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace chipsim {

class DemandModel;
class TableReader;
struct Model;

// A factory reads the model's own keys from the scenario's [demand] table (after "model";
// unknown keys are errors) and may check them against the world (products, countries),
// which is fully loaded by then. It reports bad values with table.fail(key, ...), which
// throws ScenarioError located at the key.
using DemandFactory = std::function<std::shared_ptr<const DemandModel>(TableReader& demand_table, const Model& world)>;
// False if a model of that name is already registered (the first registration stays).
bool register_demand_model(const std::string& name, DemandFactory factory);
// nullptr if no model of that name is registered; otherwise whatever its factory throws.
std::shared_ptr<const DemandModel> make_demand_model(std::string_view name, TableReader& demand_table, const Model& world);
// Builds a model with all its parameters at their defaults (tests, synthetic worlds).
std::shared_ptr<const DemandModel> make_demand_model(std::string_view name);
bool has_demand_model(std::string_view name);
// Registered names, sorted.
std::vector<std::string> demand_model_names();

}  // namespace chipsim

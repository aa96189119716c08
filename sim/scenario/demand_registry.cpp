#include <map>
#include <mutex>

#include "sim/scenario/demand_registry.hpp"

#include "sim/core/model.hpp"
#include "sim/scenario/table_reader.hpp"

namespace chipsim {

namespace {
std::map<std::string, DemandFactory, std::less<>>& registry() {
  static std::map<std::string, DemandFactory, std::less<>> r;
  return r;
}
std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}
}  // namespace

bool register_demand_model(const std::string& name, DemandFactory factory) {
  std::lock_guard lock(registry_mutex());
  return registry().emplace(name, std::move(factory)).second;
}

std::shared_ptr<const DemandModel> make_demand_model(std::string_view name, TableReader& demand_table, const Model& world) {
  DemandFactory factory;
  {
    std::lock_guard lock(registry_mutex());
    auto it = registry().find(name);
    if (it == registry().end()) return nullptr;
    factory = it->second;
  }
  return factory(demand_table, world);
}

std::shared_ptr<const DemandModel> make_demand_model(std::string_view name) {
  static const toml::table empty;
  TableReader defaults(empty, "<defaults>", "demand");
  static const Model no_world;
  return make_demand_model(name, defaults, no_world);
}

bool has_demand_model(std::string_view name) {
  std::lock_guard lock(registry_mutex());
  return registry().find(name) != registry().end();
}

std::vector<std::string> demand_model_names() {
  std::lock_guard lock(registry_mutex());
  std::vector<std::string> names;
  for (const auto& [k, v] : registry()) names.push_back(k);
  return names;
}

}  // namespace chipsim

#include <map>
#include <mutex>

#include "sim/demand_model.hpp"

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

std::unique_ptr<DemandModel> make_demand_model(std::string_view name) {
  std::lock_guard lock(registry_mutex());
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : it->second();
}

std::vector<std::string> demand_model_names() {
  std::lock_guard lock(registry_mutex());
  std::vector<std::string> names;
  for (const auto& [k, v] : registry()) names.push_back(k);
  return names;
}

}  // namespace chipsim

#include "sim/scenario/event_registry.hpp"

#include <map>
#include <mutex>

namespace chipsim {

namespace {
std::map<std::string, EventParser>& registry() {
  static std::map<std::string, EventParser> r;
  return r;
}
std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}
std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& e : v) s += (s.empty() ? "" : ", ") + e;
  return s;
}
}  // namespace

bool register_event_action(const std::string& name, EventParser parser) {
  std::lock_guard lock(registry_mutex());
  return registry().emplace(name, std::move(parser)).second;
}

const EventParser* find_event_action(const std::string& name) {
  std::lock_guard lock(registry_mutex());
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : &it->second;
}

std::vector<std::string> event_action_names() {
  std::lock_guard lock(registry_mutex());
  std::vector<std::string> names;
  for (const auto& [k, v] : registry()) names.push_back(k);
  return names;
}

int read_country(TableReader& t, std::string_view key, const Model& world) {
  const std::string code = t.string(key);
  if (auto i = world.country_index(code)) return *i;
  std::vector<std::string> known;
  for (const auto& c : world.countries) known.push_back(c.code);
  t.fail(key, "unknown country \"" + code + "\" (known: " + join(known) + ")");
}

int read_firm(TableReader& t, std::string_view key, const Model& world) { return read_firm_name(t, key, world, t.string(key)); }

int read_firm_name(TableReader& t, std::string_view key, const Model& world, const std::string& name) {
  if (auto i = world.firm_index(name)) return *i;
  std::vector<std::string> known;
  for (const auto& f : world.firms) known.push_back(f.name);
  t.fail(key, "unknown firm \"" + name + "\" (known: " + join(known) + ")");
}

int read_product(TableReader& t, std::string_view key, const Model& world, std::string_view name) {
  if (auto i = world.product_index(name)) return *i;
  t.fail(key, "unknown product \"" + std::string(name) + "\"");
}

ProductKind read_product_kind(TableReader& t, std::string_view key) {
  const std::string k = t.string(key);
  if (k == "accelerator") return ProductKind::accelerator;
  if (k == "hbm") return ProductKind::hbm;
  t.fail(key, "must be \"accelerator\" or \"hbm\", got \"" + k + "\"");
}

}  // namespace chipsim

#include "sim/scenario/critical_minerals_reader.hpp"

#include <set>

#include "sim/scenario/event_registry.hpp"

namespace chipsim {

int read_mineral(TableReader& t, std::string_view key, const Model& m, const std::string& name) {
  for (std::size_t k = 0; k < m.critical_minerals.size(); ++k)
    if (m.critical_minerals[k].name == name) return static_cast<int>(k);
  std::string known;
  for (const auto& x : m.critical_minerals) known += (known.empty() ? "" : ", ") + x.name;
  t.fail(key, "unknown critical mineral \"" + name + "\" (known: " + (known.empty() ? std::string("none: add a [[critical_mineral]]") : known) + ")");
}

void read_critical_minerals(TableReader& root, Model& m) {
  std::set<std::string> seen;
  for (TableReader& t : root.tables("critical_mineral")) {
    CriticalMineral x;
    x.name = t.string("name");
    if (!seen.insert(x.name).second) t.fail("name", "a second [[critical_mineral]] named \"" + x.name + "\"");
    x.producer = read_country(t, "producer", m);
    x.producer_share = t.number("producer_share", 0.0, 1.0);
    x.cost_increase = t.number("cost_increase", 0.0, 5.0);
    x.capacity_loss = t.number("capacity_loss", 0.0, 1.0);
    x.source = t.optional_string("source").value_or("");
    t.optional_string("note");
    t.finish();
    m.critical_minerals.push_back(std::move(x));
  }
}

std::vector<double> read_mineral_exposure(TableReader& t, const Model& m) {
  std::vector<double> exposure;
  if (!t.has("mineral_exposure")) return exposure;
  auto sub = t.table("mineral_exposure");
  if (!sub) t.fail("mineral_exposure", "must be a table of shares by mineral, e.g. { gallium = 0.4 }");
  exposure.assign(m.critical_minerals.size(), 0.0);
  std::vector<std::string> keys;
  for (const auto& [k, v] : sub->raw()) keys.emplace_back(k.str());
  for (const std::string& name : keys) {
    const int mineral = read_mineral(*sub, name, m, name);
    exposure[static_cast<std::size_t>(mineral)] = sub->number(name, 0.0, 1.0);
  }
  sub->finish();
  return exposure;
}

}  // namespace chipsim

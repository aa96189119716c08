#include "calibration/moment_kind.hpp"

#include <mutex>

#include "calibration/moments/builtin.hpp"
#include "sim/core/error.hpp"

namespace chipsim {

namespace {

struct Registry {
  Registry() = default;
  Registry(Registry&& o) noexcept : kinds(std::move(o.kinds)) {}
  std::mutex mutex;
  std::map<std::string, MomentKind> kinds;
};

Registry& registry() {
  static Registry r = [] {
    Registry built;
    std::vector<MomentKind> kinds;  // the built-in families (calibration/moments/*.cpp)
    add_revenue_moments(kinds);
    add_unit_moments(kinds);
    add_hbm_moments(kinds);
    add_margin_moments(kinds);
    add_series_moments(kinds);
    for (MomentKind& k : kinds) {
      const std::string name = k.name;
      built.kinds.emplace(name, std::move(k));
    }
    return built;
  }();
  return r;
}

}  // namespace

bool register_moment_kind(MomentKind kind) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  const std::string name = kind.name;
  return r.kinds.emplace(name, std::move(kind)).second;
}

const MomentKind* find_moment_kind(const std::string& name) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  const auto it = r.kinds.find(name);
  return it == r.kinds.end() ? nullptr : &it->second;
}

std::vector<std::string> moment_kind_names() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> out;
  for (const auto& [name, kind] : r.kinds) out.push_back(name);
  return out;
}

std::optional<double> unit_scale(const std::string& base_unit, const std::string& unit) {
  static const std::map<std::string, std::map<std::string, double>> units = {
      {"USD", {{"USD", 1}, {"USD_thousand", 1e3}, {"USD_million", 1e6}, {"USD_billion", 1e9}}},
      {"USD_per_unit", {{"USD_per_unit", 1}, {"USD", 1}, {"USD_thousand_per_unit", 1e3}}},
      {"units", {{"units", 1}, {"thousand_units", 1e3}, {"million_units", 1e6}, {"stacks", 1}, {"thousand_stacks", 1e3},
                 {"million_stacks", 1e6}, {"wafers", 1}}},
      {"share", {{"share", 1}, {"percent", 0.01}}},
  };
  if (base_unit == "as_recorded") return unit.empty() ? std::nullopt : std::optional<double>(1.0);
  const auto b = units.find(base_unit);
  if (b == units.end()) return std::nullopt;
  const auto u = b->second.find(unit);
  if (u == b->second.end()) return std::nullopt;
  return u->second;
}

std::optional<double> evaluate_moment(const MomentKind& kind, const Model& m, const Series& s, const Window& w,
                                      const MomentArgs& args, const std::string& unit) {
  for (const std::string& a : kind.required)
    if (!args.count(a)) throw Error("moment kind " + kind.name + ": missing argument " + a);
  const auto scale = unit_scale(kind.base_unit, unit);
  if (!scale) throw Error("moment kind " + kind.name + ": unit \"" + unit + "\" does not express " + kind.base_unit);
  const auto v = kind.value(m, s, w, args);
  if (!v) return std::nullopt;
  return *v / *scale;
}

}  // namespace chipsim

// Export controls upstream of the chips (docs/SCENARIOS.md "Supply chain"; types in
// sim/core/supply_tiers.hpp): on chip-making equipment and on foundry service.
//
//   [[event]]
//   date = "2023-09-01"
//   action = "add_equipment_control"
//   id = "nl_2023_duv"
//   issuer = "NL"                   # its makers may not sell these tool classes ...
//   jurisdictions = ["NL"]          # optional: the supplier countries covered (foreign direct product rule); default the issuer
//   destinations = ["CN"]           # ... to fabs in these countries
//   tools = ["advanced_duv"]
//   enforcement = 0.6               # optional: share of the denied supply stopped; default the issuer's government's
//
//   [[event]]
//   date = "2020-09-15"
//   action = "add_foundry_control"
//   id = "us_fdpr_huawei"
//   issuer = "US"
//   jurisdictions = ["TW", "US"]    # fabs located there may not make dies ...
//   customers = ["Huawei"]          # ... for these firms (and/or destinations = [...]: for firms based there)
//   max_feature_nm = 16             # optional: only nodes at or below this size; default every node
//   packaging = true                # optional: packaging lines there may not package for them either
//
//   action = "remove_equipment_control" / "remove_foundry_control", with the rule's id.
//
// A rule's effect on equipment is scaled by its enforcement (default: the issuer government's
// `enforcement`, 1 without one); foundry rules are enforced in full (intermediaries are the die bank:
// initial_die_stock). Rules in force before the start apply from the first period.
#include <algorithm>

#include "sim/core/state.hpp"
#include "sim/scenario/event_registry.hpp"
#include "sim/scenario/supply_tiers_reader.hpp"

namespace chipsim {
namespace {

class AddSupplyRule final : public EventAction {
 public:
  explicit AddSupplyRule(SupplyRule r) : rule_(std::move(r)) {}
  void apply(const Model&, State& s) const override {
    auto& rules = s.supply_rules;
    rules.erase(std::remove_if(rules.begin(), rules.end(), [&](const SupplyRule& x) { return x.id == rule_.id; }), rules.end());
    rules.push_back(rule_);
  }
  std::string describe() const override {
    return (rule_.kind == SupplyRule::Kind::equipment ? "equipment control " : "foundry control ") + rule_.id;
  }

 private:
  SupplyRule rule_;
};

class RemoveSupplyRule final : public EventAction {
 public:
  explicit RemoveSupplyRule(std::string id) : id_(std::move(id)) {}
  void apply(const Model&, State& s) const override {
    auto& rules = s.supply_rules;
    rules.erase(std::remove_if(rules.begin(), rules.end(), [&](const SupplyRule& x) { return x.id == id_; }), rules.end());
  }
  std::string describe() const override { return "remove supply control " + id_; }

 private:
  std::string id_;
};

std::vector<int> read_countries(TableReader& t, const char* key, const Model& world) {
  std::vector<int> out;
  for (const std::string& code : t.strings(key)) {
    auto c = world.country_index(code);
    if (!c) t.fail(key, "unknown country \"" + code + "\"");
    out.push_back(*c);
  }
  if (out.empty()) t.fail(key, "must name at least one country");
  return out;
}

SupplyRule read_common(TableReader& t, const Model& world, SupplyRule::Kind kind) {
  SupplyRule r;
  r.kind = kind;
  r.id = t.string("id");
  r.issuer = read_country(t, "issuer", world);
  if (t.has("jurisdictions")) r.jurisdictions = read_countries(t, "jurisdictions", world);
  r.source = t.optional_string("source").value_or("");
  return r;
}

std::shared_ptr<const EventAction> parse_add_equipment(TableReader& t, const Model& world) {
  SupplyRule r = read_common(t, world, SupplyRule::Kind::equipment);
  r.destinations = read_countries(t, "destinations", world);
  for (const std::string& name : t.strings("tools")) r.tools.push_back(read_tool_class(t, "tools", world, name));
  if (r.tools.empty()) t.fail("tools", "must name at least one tool class");
  if (auto e = t.optional_number("enforcement", 0.0, 1.0)) r.enforcement = *e;
  return std::make_shared<AddSupplyRule>(std::move(r));
}

std::shared_ptr<const EventAction> parse_add_foundry(TableReader& t, const Model& world) {
  SupplyRule r = read_common(t, world, SupplyRule::Kind::foundry);
  if (t.has("destinations")) r.destinations = read_countries(t, "destinations", world);
  if (t.has("customers"))
    for (const std::string& name : t.strings("customers")) r.customers.push_back(read_firm_name(t, "customers", world, name));
  if (r.destinations.empty() && r.customers.empty()) t.fail("a foundry control needs customers or destinations");
  if (auto nm = t.optional_number("max_feature_nm", 0.1, 1e4)) r.max_feature_nm = *nm;
  r.packaging = t.boolean_or("packaging", false);
  return std::make_shared<AddSupplyRule>(std::move(r));
}

std::shared_ptr<const EventAction> parse_remove(TableReader& t, const Model&) {
  t.optional_string("source");
  return std::make_shared<RemoveSupplyRule>(t.string("id"));
}

const bool registered = register_event_action("add_equipment_control", parse_add_equipment) &&
                        register_event_action("remove_equipment_control", parse_remove) &&
                        register_event_action("add_foundry_control", parse_add_foundry) &&
                        register_event_action("remove_foundry_control", parse_remove);
}  // namespace
}  // namespace chipsim

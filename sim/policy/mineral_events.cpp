// China's counter-lever (docs/SCENARIOS.md "Critical minerals"; types in
// sim/core/critical_minerals.hpp): export controls on critical minerals.
//
//   [[event]]
//   date = "2023-08-01"
//   action = "add_mineral_control"
//   id = "cn_ga_ge_2023"
//   issuer = "CN"                    # the minerals' producer
//   minerals = ["gallium", "germanium"]   # optional: default every mineral the issuer produces
//   destinations = ["US"]            # optional: default every other country
//   enforcement = 0.3                # optional: share of the denied supply actually stopped; default 1
//
//   [[event]]
//   date = "2025-11-10"
//   action = "remove_mineral_control"
//   id = "cn_ga_ge_2023"             # or: issuer = "CN" to lift all of the issuer's mineral controls
//
// A rule with the id of one in force replaces it (a change of scope or enforcement).
#include <algorithm>

#include "sim/core/state.hpp"
#include "sim/scenario/critical_minerals_reader.hpp"
#include "sim/scenario/event_registry.hpp"

namespace chipsim {
namespace {

class AddMineralRule final : public EventAction {
 public:
  explicit AddMineralRule(MineralRule r) : rule_(std::move(r)) {}
  void apply(const Model&, State& s) const override {
    auto& rules = s.mineral_rules;
    rules.erase(std::remove_if(rules.begin(), rules.end(), [&](const MineralRule& x) { return x.id == rule_.id; }), rules.end());
    rules.push_back(rule_);
  }
  std::string describe() const override { return "mineral export control " + rule_.id; }

 private:
  MineralRule rule_;
};

// Lifts the rule `id`, or every rule of `issuer` when id is empty.
class RemoveMineralRule final : public EventAction {
 public:
  RemoveMineralRule(std::string id, int issuer) : id_(std::move(id)), issuer_(issuer) {}
  void apply(const Model&, State& s) const override {
    auto& rules = s.mineral_rules;
    rules.erase(std::remove_if(rules.begin(), rules.end(),
                               [&](const MineralRule& x) { return id_.empty() ? x.issuer == issuer_ : x.id == id_; }),
                rules.end());
  }
  std::string describe() const override { return "remove mineral export control " + (id_.empty() ? "(all of the issuer's)" : id_); }

 private:
  std::string id_;
  int issuer_;
};

std::shared_ptr<const EventAction> parse_add(TableReader& t, const Model& world) {
  MineralRule r;
  r.id = t.string("id");
  r.issuer = read_country(t, "issuer", world);
  if (t.has("minerals")) {
    for (const std::string& name : t.strings("minerals")) {
      const int m = read_mineral(t, "minerals", world, name);
      if (world.critical_minerals[static_cast<std::size_t>(m)].producer != r.issuer)
        t.fail("minerals", "\"" + name + "\" is produced by " +
                               world.countries[world.critical_minerals[static_cast<std::size_t>(m)].producer].code + ", not by the issuer " +
                               world.countries[r.issuer].code);
      r.minerals.push_back(m);
    }
    if (r.minerals.empty()) t.fail("minerals", "must name at least one mineral");
  } else {
    for (std::size_t m = 0; m < world.critical_minerals.size(); ++m)
      if (world.critical_minerals[m].producer == r.issuer) r.minerals.push_back(static_cast<int>(m));
    if (r.minerals.empty()) t.fail("issuer", world.countries[r.issuer].code + " produces no [[critical_mineral]]");
  }
  if (t.has("destinations")) {
    for (const std::string& code : t.strings("destinations")) {
      auto c = world.country_index(code);
      if (!c) t.fail("destinations", "unknown country \"" + code + "\"");
      r.destinations.push_back(*c);
    }
    if (r.destinations.empty()) t.fail("destinations", "must name at least one country");
  } else {
    for (int c = 0; c < world.n_countries(); ++c)
      if (c != r.issuer) r.destinations.push_back(c);
  }
  r.enforcement = t.number_or("enforcement", 1.0, 0.0, 1.0);
  t.optional_string("source");
  return std::make_shared<AddMineralRule>(std::move(r));
}

std::shared_ptr<const EventAction> parse_remove(TableReader& t, const Model& world) {
  t.optional_string("source");
  if (t.has("id") == t.has("issuer")) t.fail("remove_mineral_control needs exactly one of id and issuer");
  if (t.has("id")) return std::make_shared<RemoveMineralRule>(t.string("id"), -1);
  return std::make_shared<RemoveMineralRule>(std::string(), read_country(t, "issuer", world));
}

const bool registered =
    register_event_action("add_mineral_control", parse_add) && register_event_action("remove_mineral_control", parse_remove);
}  // namespace
}  // namespace chipsim

// Demand and supply shocks (docs/SPEC.md §6): demand_shock scales AI firms' compute budgets,
// supply_shock scales production capacity (a fab outage), for a number of months or for good.
// Shocks multiply: two overlapping outages of 50 % leave 25 %. A supply shock hits each matching
// product once, design-around variants of hit products included.
//
//   [[event]]
//   date = "2027-01"
//   action = "supply_shock"
//   fab = "TW"                 # every product made in this country (or: products = [...], firms = [...])
//   capacity_factor = 0.2      # capacity keeps this share
//   months = 6                 # optional: omitted = permanent
//
//   [[event]]
//   date = "2026-01"
//   action = "demand_shock"
//   country = "CN"             # every AI firm of this country (or: ai_firms = [...])
//   budget_factor = 1.5
//   months = 12
#include <algorithm>
#include <cmath>
#include <optional>

#include "sim/scenario/event_registry.hpp"
#include "sim/core/state.hpp"

namespace chipsim {
namespace {

// What a supply shock hits, resolved when it applies, so that products added after the
// scenario was read (design-around variants) are hit too; each product at most once.
struct SupplyTarget {
  int fab = -1;
  std::vector<int> firms, products;
  std::vector<int> resolve(const Model& m) const {
    std::vector<int> out;
    for (int j = 0; j < m.n_products(); ++j) {
      const Product& p = m.products[j];
      const bool hit = p.fab == fab || std::find(firms.begin(), firms.end(), p.owner) != firms.end() ||
                       std::find(products.begin(), products.end(), j) != products.end() ||
                       (p.variant_of >= 0 && std::find(products.begin(), products.end(), p.variant_of) != products.end());
      if (hit) out.push_back(j);
    }
    return out;
  }
};

class Shock final : public EventAction {
 public:
  Shock(State::ActiveShock::Target target, std::vector<int> indices, double factor, int periods, std::string label)
      : target_(target), indices_(std::move(indices)), factor_(factor), periods_(periods), label_(std::move(label)) {}
  Shock(SupplyTarget supply, double factor, int periods, std::string label)
      : target_(State::ActiveShock::Target::capacity), supply_(std::move(supply)), factor_(factor), periods_(periods),
        label_(std::move(label)) {}
  void apply(const Model& m, State& s) const override {
    const std::vector<int> hit = supply_ ? supply_->resolve(m) : indices_;
    s.active_shocks.push_back({target_, hit, factor_, periods_ > 0 ? s.period + periods_ : -1});
  }
  std::string describe() const override { return label_; }

 private:
  State::ActiveShock::Target target_;
  std::vector<int> indices_;
  std::optional<SupplyTarget> supply_;
  double factor_;
  int periods_;
  std::string label_;
};

int read_periods(TableReader& t, const Model& world) {
  auto months = t.optional_number("months", 1, 1200);
  return months ? static_cast<int>(std::ceil(*months / world.calendar.months_per_period)) : 0;
}

std::shared_ptr<const EventAction> parse_supply(TableReader& t, const Model& world) {
  SupplyTarget target;
  std::string what;
  if (t.has("fab")) {
    target.fab = read_country(t, "fab", world);
    what = "products made in " + world.countries[target.fab].code;
  }
  if (t.has("firms"))
    for (const std::string& name : t.strings("firms")) {
      auto f = world.firm_index(name);
      if (!f) t.fail("firms", "unknown firm \"" + name + "\"");
      target.firms.push_back(*f);
      what += (what.empty() ? "" : ", ") + name;
    }
  if (t.has("products"))
    for (const std::string& name : t.strings("products")) {
      target.products.push_back(read_product(t, "products", world, name));
      what += (what.empty() ? "" : ", ") + name;
    }
  if (what.empty()) t.fail("supply_shock needs fab, firms or products");
  const double factor = t.number("capacity_factor", 0.0, 100.0);
  const int periods = read_periods(t, world);
  t.optional_string("source");
  return std::make_shared<Shock>(std::move(target), factor, periods, "supply shock x" + std::to_string(factor) + " on " + what);
}

std::shared_ptr<const EventAction> parse_demand(TableReader& t, const Model& world) {
  std::vector<int> buyers;
  std::string what;
  if (t.has("country")) {
    const int c = read_country(t, "country", world);
    for (int i = 0; i < world.n_ai_firms(); ++i)
      if (world.ai_firms[i].country == c) buyers.push_back(i);
    what = "AI firms of " + world.countries[c].code;
  }
  if (t.has("ai_firms"))
    for (const std::string& name : t.strings("ai_firms")) {
      int found = -1;
      for (int i = 0; i < world.n_ai_firms(); ++i)
        if (world.ai_firms[i].name == name) found = i;
      if (found < 0) t.fail("ai_firms", "unknown AI firm \"" + name + "\"");
      buyers.push_back(found);
      what += (what.empty() ? "" : ", ") + name;
    }
  if (what.empty()) t.fail("demand_shock needs country or ai_firms");
  const double factor = t.number("budget_factor", 0.0, 100.0);
  const int periods = read_periods(t, world);
  t.optional_string("source");
  return std::make_shared<Shock>(State::ActiveShock::Target::budget, std::move(buyers), factor, periods,
                                 "demand shock x" + std::to_string(factor) + " on " + what);
}

const bool registered =
    register_event_action("supply_shock", parse_supply) && register_event_action("demand_shock", parse_demand);

}  // namespace
}  // namespace chipsim

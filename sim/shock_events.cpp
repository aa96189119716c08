// Demand and supply shocks (docs/SPEC.md §6): demand_shock scales AI firms' compute budgets,
// supply_shock scales production capacity (a fab outage), for a number of months or for good.
// Shocks multiply: two overlapping outages of 50 % leave 25 %.
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
#include <cmath>

#include "sim/event_registry.hpp"
#include "sim/state.hpp"

namespace chipsim {
namespace {

class Shock final : public EventAction {
 public:
  Shock(State::ActiveShock::Target target, std::vector<int> indices, double factor, int periods, std::string label)
      : target_(target), indices_(std::move(indices)), factor_(factor), periods_(periods), label_(std::move(label)) {}
  void apply(const Model&, State& s) const override {
    s.active_shocks.push_back({target_, indices_, factor_, periods_ > 0 ? s.period + periods_ : -1});
  }
  std::string describe() const override { return label_; }

 private:
  State::ActiveShock::Target target_;
  std::vector<int> indices_;
  double factor_;
  int periods_;
  std::string label_;
};

int read_periods(TableReader& t, const Model& world) {
  auto months = t.optional_number("months", 1, 1200);
  return months ? static_cast<int>(std::ceil(*months / world.calendar.months_per_period)) : 0;
}

std::shared_ptr<const EventAction> parse_supply(TableReader& t, const Model& world) {
  std::vector<int> products;
  std::string what;
  if (t.has("fab")) {
    const int c = read_country(t, "fab", world);
    for (int j = 0; j < world.n_products(); ++j)
      if (world.products[j].fab == c) products.push_back(j);
    what = "products made in " + world.countries[c].code;
  }
  if (t.has("firms"))
    for (const std::string& name : t.strings("firms")) {
      auto f = world.firm_index(name);
      if (!f) t.fail("firms", "unknown firm \"" + name + "\"");
      for (int j = 0; j < world.n_products(); ++j)
        if (world.products[j].owner == *f) products.push_back(j);
      what += (what.empty() ? "" : ", ") + name;
    }
  if (t.has("products"))
    for (const std::string& name : t.strings("products")) {
      products.push_back(read_product(t, "products", world, name));
      what += (what.empty() ? "" : ", ") + name;
    }
  if (what.empty()) t.fail("supply_shock needs fab, firms or products");
  const double factor = t.number("capacity_factor", 0.0, 100.0);
  const int periods = read_periods(t, world);
  t.optional_string("source");
  return std::make_shared<Shock>(State::ActiveShock::Target::capacity, std::move(products), factor, periods,
                                 "supply shock x" + std::to_string(factor) + " on " + what);
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

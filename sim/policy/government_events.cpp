// Government instrument events: set_government (docs/SPEC.md §3 Governments, §6). Changes any of a
// government's instruments from a date on; keys not given keep their value. Setting a value to
// 0 removes the instrument (no budget, no mandate).
//
//   [[event]]
//   date = "2025-11"
//   action = "set_government"
//   country = "CN"
//   procurement_mandate = 0.5            # minimum domestic share of its AI firms' purchases (by the government's self_sufficiency_measure, compute by default)
//   subsidy_budget_usd_per_month = 4e8   # budget for R&D and capex subsidies
//   rd_subsidy_rate = 0.5                # share of domestic firms' R&D matched
//   capex_subsidy_rate = 0.3             # share of domestic firms' capex paid
//   enforcement = 0.9                    # share of flows its rules deny that is stopped
//   grey_market_markup = 0.5             # markup of flows leaking past its rules
#include <sstream>
#include "sim/scenario/event_registry.hpp"
#include "sim/core/state.hpp"

namespace chipsim {
namespace {

struct GovernmentChange {
  std::optional<double> subsidy_budget, rd_subsidy_rate, capex_subsidy_rate, mandate, enforcement, markup;
};

class SetGovernment final : public EventAction {
 public:
  SetGovernment(int country, std::string code, GovernmentChange change)
      : country_(country), code_(std::move(code)), change_(change) {}
  void apply(const Model&, State& s) const override {
    const int c = country_;
    if (change_.subsidy_budget) s.subsidy_budget_usd(c) = *change_.subsidy_budget;
    if (change_.rd_subsidy_rate) s.rd_subsidy_rate(c) = *change_.rd_subsidy_rate;
    if (change_.capex_subsidy_rate) s.capex_subsidy_rate(c) = *change_.capex_subsidy_rate;
    if (change_.mandate) s.procurement_mandate(c) = *change_.mandate;
    if (change_.enforcement) s.enforcement(c) = *change_.enforcement;
    if (change_.markup) s.grey_market_markup(c) = *change_.markup;
  }
  std::string describe() const override {
    std::ostringstream s;
    s << "set instruments of the government of " << code_ << ":";
    auto item = [&](const char* name, const std::optional<double>& v, double scale = 1.0) {
      if (v) s << " " << name << " = " << *v * scale;
    };
    item("subsidy_budget_usd_per_period", change_.subsidy_budget);
    item("rd_subsidy_rate", change_.rd_subsidy_rate);
    item("capex_subsidy_rate", change_.capex_subsidy_rate);
    item("procurement_mandate", change_.mandate);
    item("enforcement", change_.enforcement);
    item("grey_market_markup", change_.markup);
    return s.str();
  }

 private:
  int country_;
  std::string code_;
  GovernmentChange change_;
};

std::shared_ptr<const EventAction> parse_set_government(TableReader& t, const Model& world) {
  const int c = read_country(t, "country", world);
  GovernmentChange g;
  if (auto v = t.optional_number("subsidy_budget_usd_per_month", 0.0, 1e18)) g.subsidy_budget = *v * world.calendar.months_per_period;
  g.rd_subsidy_rate = t.optional_number("rd_subsidy_rate", 0.0, 10.0);
  g.capex_subsidy_rate = t.optional_number("capex_subsidy_rate", 0.0, 1.0);
  g.mandate = t.optional_number("procurement_mandate", 0.0, 1.0);
  g.enforcement = t.optional_number("enforcement", 0.0, 1.0);
  g.markup = t.optional_number("grey_market_markup", 0.0, 10.0);
  t.optional_string("source");
  if (!g.subsidy_budget && !g.rd_subsidy_rate && !g.capex_subsidy_rate && !g.mandate && !g.enforcement && !g.markup)
    t.fail("set_government changes nothing: give at least one instrument");
  return std::make_shared<SetGovernment>(c, world.countries[c].code, g);
}

const bool registered = register_event_action("set_government", parse_set_government);

}  // namespace
}  // namespace chipsim

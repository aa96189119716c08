// An importing government's buy-side instruments (issue "Policy instruments", item 4;
// docs/MODEL_NOTES.md §1, "Buy-side instruments"): instruments on what its own buyers may buy,
// as events of any government.
//
//   [[event]]                          # guidance not to buy listed foreign products, or a
//   date = "2025-08"                   # procurement ban on a firm (compliance 1)
//   action = "buy_side_guidance"
//   importer = "CN"
//   products = ["H20"]                 # and/or firms = ["Micron"], origins = ["US"] (all their
//                                      # products); kind = "accelerator" keeps one kind
//   coverage = 0.6                     # share of the importer's buyers covered, [0, 1]
//   compliance = 0.8                   # share of covered buyers who comply, [0, 1] (default 1)
//
//   [[event]]                          # customs checks: a friction on imports of the targets
//   date = "2025-10-10"
//   action = "customs_check"
//   importer = "CN"
//   firms = ["Nvidia"]                 # and/or products = [...]
//   friction = 0.05                    # cost of delays, inspections and seizures, share of the price, [0, 1]
//
//   [[event]]                          # an antitrust fine, paid once to the authority
//   date = "2026-03"
//   action = "antitrust_fine"
//   authority = "CN"
//   firm = "Nvidia"
//   fine_usd = 1.0e9
//
// Guidance: the complying share phi = coverage x compliance of the importer's buyers does not buy
// the targets; the flow of each target into the importer is capped at (1 - phi) x what its buyers
// would buy of it at last period's prices (held like a licence quota: the rest of the demand
// turns to other products or waits). For HBM the cap is (1 - phi) of a buying line's need.
// Coverage 0 lifts it. Customs friction: buyers pay p (1 + tariff + friction); the friction is a
// deadweight cost (recorded, collected by nobody). Friction 0 lifts it.
#include <algorithm>
#include <string>
#include <vector>

#include "sim/core/state.hpp"
#include "sim/scenario/event_registry.hpp"

namespace chipsim {
namespace {

// Products named directly, through their owners or their origins, all foreign to the importer
// (`why` says why, in the error).
std::vector<int> read_targets(TableReader& t, const Model& world, int importer, const std::string& why) {
  std::vector<int> out;
  if (t.has("products"))
    for (const std::string& name : t.strings("products")) {
      const auto j = world.product_index(name);
      if (!j) t.fail("products", "unknown product \"" + name + "\"");
      out.push_back(*j);
    }
  if (t.has("firms"))
    for (const std::string& name : t.strings("firms")) {
      const auto f = world.firm_index(name);
      if (!f) t.fail("firms", "unknown firm \"" + name + "\"");
      for (int j = 0; j < world.n_products(); ++j)
        if (world.products[j].owner == *f) out.push_back(j);
    }
  if (t.has("origins"))
    for (const std::string& code : t.strings("origins")) {
      const auto c = world.country_index(code);
      if (!c) t.fail("origins", "unknown country \"" + code + "\"");
      for (int j = 0; j < world.n_products(); ++j)
        if (world.products[j].origin == *c) out.push_back(j);
    }
  if (!t.has("products") && !t.has("firms") && !t.has("origins"))
    t.fail("products", "missing: name the targets (products, firms and/or origins)");
  if (t.has("kind")) {  // only products of this kind
    const ProductKind kind = read_product_kind(t, "kind");
    out.erase(std::remove_if(out.begin(), out.end(), [&](int j) { return world.products[j].kind != kind; }), out.end());
  }
  for (int j : out)
    if (world.products[j].origin == importer)
      t.fail("importer", why + "; " + world.products[j].name + " is made in " + world.countries[importer].code);
  return out;
}

std::string names(const Model& m, const std::vector<int>& products) {
  std::string s;
  for (int j : products) s += (s.empty() ? "" : ", ") + m.products[j].name;
  return s;
}

// Sets one (product x country) instrument of the state for the targets in the importer:
// buy_side_share (guidance) or customs_friction (customs checks).
class SetImportInstrument final : public EventAction {
 public:
  SetImportInstrument(Eigen::ArrayXXd State::*instrument, int importer, std::vector<int> products, double value, std::string label)
      : instrument_(instrument), importer_(importer), products_(std::move(products)), value_(value), label_(std::move(label)) {}
  void apply(const Model&, State& s) const override {
    for (int j : products_) (s.*instrument_)(j, importer_) = value_;
  }
  std::string describe() const override { return label_; }

 private:
  Eigen::ArrayXXd State::*instrument_;
  int importer_;
  std::vector<int> products_;
  double value_;
  std::string label_;
};

class AntitrustFine final : public EventAction {
 public:
  AntitrustFine(int authority, int firm, double fine, std::string label)
      : authority_(authority), firm_(firm), fine_(fine), label_(std::move(label)) {}
  void apply(const Model&, State& s) const override {
    s.antitrust_fine_paid_usd(firm_) += fine_;
    s.antitrust_fine_income_usd(authority_) += fine_;
    s.firm_cash_usd(firm_) -= fine_;
  }
  std::string describe() const override { return label_; }

 private:
  int authority_, firm_;
  double fine_;
  std::string label_;
};

std::shared_ptr<const EventAction> parse_guidance(TableReader& t, const Model& world) {
  const int importer = read_country(t, "importer", world);
  std::vector<int> products = read_targets(t, world, importer, "guidance covers foreign products");
  const double coverage = t.number("coverage", 0.0, 1.0);
  const double compliance = t.number_or("compliance", 1.0, 0.0, 1.0);
  t.optional_string("source");
  const std::string label = world.countries[importer].code + " buy-side guidance against " + names(world, products) +
                            ": coverage " + std::to_string(coverage) + " x compliance " + std::to_string(compliance);
  return std::make_shared<SetImportInstrument>(&State::buy_side_share, importer, std::move(products), coverage * compliance, label);
}

std::shared_ptr<const EventAction> parse_customs(TableReader& t, const Model& world) {
  const int importer = read_country(t, "importer", world);
  std::vector<int> products = read_targets(t, world, importer, "customs checks apply to imports");
  const double friction = t.number("friction", 0.0, 1.0);
  t.optional_string("source");
  const std::string label = world.countries[importer].code + " customs checks on " + names(world, products) + ": friction " +
                            std::to_string(friction);
  return std::make_shared<SetImportInstrument>(&State::customs_friction, importer, std::move(products), friction, label);
}

std::shared_ptr<const EventAction> parse_fine(TableReader& t, const Model& world) {
  const int authority = read_country(t, "authority", world);
  const int firm = read_firm(t, "firm", world);
  const double fine = t.number("fine_usd", 0.0, 1e13);
  t.optional_string("source");
  const std::string label = world.countries[authority].code + " antitrust fine on " + world.firms[firm].name + ": " +
                            std::to_string(fine) + " USD";
  return std::make_shared<AntitrustFine>(authority, firm, fine, label);
}

const bool registered = register_event_action("buy_side_guidance", parse_guidance) &&
                        register_event_action("customs_check", parse_customs) &&
                        register_event_action("antitrust_fine", parse_fine);

}  // namespace
}  // namespace chipsim

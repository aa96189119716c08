// Tariff events: set_tariff (docs/SPEC.md §3, Governments/Tariffs). An ad-valorem tariff by
// (importer, origin, product kind); buyers in the importer pay p (1 + rate) and the importer's
// government collects p * rate per unit. Setting a rate of 0 removes the tariff.
//
//   [[event]]
//   date = "2025-04"
//   action = "set_tariff"
//   importer = "CN"
//   origin = "US"
//   kind = "accelerator"
//   rate = 0.34        # share of the price, in [0, 5]
#include "sim/scenario/event_registry.hpp"
#include "sim/core/state.hpp"

namespace chipsim {
namespace {

class SetTariff final : public EventAction {
 public:
  SetTariff(int importer, int origin, ProductKind kind, double rate, std::string label)
      : importer_(importer), origin_(origin), kind_(kind), rate_(rate), label_(std::move(label)) {}
  void apply(const Model& m, State& s) const override { s.tariff[m.tariff_slot(importer_, origin_, kind_)] = rate_; }
  std::string describe() const override { return "set tariff " + label_; }

 private:
  int importer_, origin_;
  ProductKind kind_;
  double rate_;
  std::string label_;
};

std::shared_ptr<const EventAction> parse_set_tariff(TableReader& t, const Model& world) {
  const int importer = read_country(t, "importer", world);
  const int origin = read_country(t, "origin", world);
  const ProductKind kind = read_product_kind(t, "kind");
  const double rate = t.number("rate", 0.0, 5.0);
  if (importer == origin) t.fail("origin", "a country does not levy tariffs on its own products");
  t.optional_string("source");
  const std::string label = world.countries[importer].code + " on " + world.countries[origin].code + " " +
                            to_string(kind) + " = " + std::to_string(rate);
  return std::make_shared<SetTariff>(importer, origin, kind, rate, label);
}

const bool registered = register_event_action("set_tariff", parse_set_tariff);

}  // namespace
}  // namespace chipsim

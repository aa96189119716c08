// Moment kinds of accelerator units (calibration/moment_kind.hpp).
#include "calibration/moments/builtin.hpp"

namespace chipsim {

namespace {

// The accelerators a moment's arguments select: one product, one firm's, or one origin's (all
// when none is given); nullopt when a named product, firm or country is unknown.
std::optional<std::function<bool(const Product&)>> selection(const Model& m, const MomentArgs& a) {
  if (const auto p = argument(a, "product")) {
    const auto j = m.product_index(*p);
    if (!j) return std::nullopt;
    const std::string name = *p;
    return std::function<bool(const Product&)>([name](const Product& x) { return x.name == name; });
  }
  if (const auto f = argument(a, "firm")) {
    const auto i = m.firm_index(*f);
    if (!i) return std::nullopt;
    const int owner = *i;
    return std::function<bool(const Product&)>([owner](const Product& x) { return x.owner == owner; });
  }
  if (const auto c = argument(a, "origin")) {
    const auto i = m.country_index(*c);
    if (!i) return std::nullopt;
    const int origin = *i;
    return std::function<bool(const Product&)>([origin](const Product& x) { return x.origin == origin; });
  }
  return std::function<bool(const Product&)>([](const Product&) { return true; });
}

}  // namespace

void add_unit_moments(std::vector<MomentKind>& out) {
  out.push_back({"accelerator_units",
                 "accelerators sold over the window (of one product, firm or origin; to one destination when given)", "units",
                 {}, {"product", "firm", "origin", "destination"},
                 [](const Model& m, const Series& s, const Window& w, const MomentArgs& a) -> std::optional<double> {
                   const auto pick = selection(m, a);
                   if (!pick) return std::nullopt;
                   return accelerator_units(m, s, w, argument(a, "destination"), *pick);
                 }});
  out.push_back({"unit_share",
                 "share of the accelerators sold to the destination over the window that are the product's, firm's or origin's",
                 "share", {"destination"}, {"product", "firm", "origin"},
                 [](const Model& m, const Series& s, const Window& w, const MomentArgs& a) -> std::optional<double> {
                   const auto pick = selection(m, a);
                   if (!pick) return std::nullopt;
                   const auto d = argument(a, "destination");
                   return ratio(accelerator_units(m, s, w, d, *pick),
                                accelerator_units(m, s, w, d, [](const Product&) { return true; }));
                 }});
}

}  // namespace chipsim

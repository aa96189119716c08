// Moment kinds of the HBM market (calibration/moment_kind.hpp).
#include "calibration/moments/builtin.hpp"

namespace chipsim {

void add_hbm_moments(std::vector<MomentKind>& out) {
  out.push_back({"hbm_revenue", "revenue of all HBM makers over the window", "USD", {}, {},
                 [](const Model& m, const Series& s, const Window& w, const MomentArgs&) { return hbm_revenue(m, s, w); }});
  out.push_back({"hbm_market_share", "the HBM maker's share of all HBM makers' revenue over the window", "share", {"firm"}, {},
                 [](const Model& m, const Series& s, const Window& w, const MomentArgs& a) {
                   return ratio(firm_revenue(m, s, w, a.at("firm"), std::nullopt), hbm_revenue(m, s, w));
                 }});
  out.push_back({"hbm_stacks", "HBM stacks delivered to the destination over the window (of one maker when given)", "units",
                 {"destination"}, {"firm"},
                 [](const Model& m, const Series& s, const Window& w, const MomentArgs& a) -> std::optional<double> {
                   int owner = -1;
                   if (const auto f = argument(a, "firm")) {
                     const auto i = m.firm_index(*f);
                     if (!i) return std::nullopt;
                     owner = *i;
                   }
                   return hbm_stacks_to(m, s, w, a.at("destination"),
                                        [owner](const Product& p) { return owner < 0 || p.owner == owner; });
                 }});
}

}  // namespace chipsim

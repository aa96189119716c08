// Moment kinds of firm revenue (calibration/moment_kind.hpp).
#include "calibration/moments/builtin.hpp"

namespace chipsim {

void add_revenue_moments(std::vector<MomentKind>& out) {
  out.push_back({"revenue", "gross revenue of the firm over the window, from one destination when given", "USD", {"firm"},
                 {"destination"}, [](const Model& m, const Series& s, const Window& w, const MomentArgs& a) {
                   return firm_revenue(m, s, w, a.at("firm"), argument(a, "destination"));
                 }});
  out.push_back({"revenue_share", "share of the firm's revenue over the window that comes from the destination", "share",
                 {"firm", "destination"}, {}, [](const Model& m, const Series& s, const Window& w, const MomentArgs& a) {
                   return ratio(firm_revenue(m, s, w, a.at("firm"), a.at("destination")),
                                firm_revenue(m, s, w, a.at("firm"), std::nullopt));
                 }});
}

}  // namespace chipsim

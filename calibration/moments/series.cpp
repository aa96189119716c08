// Moment kinds that read any recorded variable of one element (calibration/moment_kind.hpp):
// e.g. a packaging line's capacity, a product's die yield.
#include "calibration/moments/builtin.hpp"

namespace chipsim {

namespace {
MomentKind element_kind(const char* name, const char* description, bool per_month, bool sum) {
  return {name, description, "as_recorded", {"variable", "dimension", "element"}, {},
          [per_month, sum](const Model& m, const Series& s, const Window& w, const MomentArgs& a) {
            return element_series(m, s, w, a.at("variable"), a.at("dimension"), a.at("element"), per_month, sum);
          }};
}
}  // namespace

void add_series_moments(std::vector<MomentKind>& out) {
  out.push_back(element_kind("series_mean", "mean over the window's periods of a recorded variable (time x dimension) of one element",
                             false, false));
  out.push_back(element_kind("series_sum", "sum over the window's periods of a recorded variable (time x dimension) of one element",
                             false, true));
  out.push_back(element_kind("series_mean_per_month",
                             "mean over the window's periods of a per-period variable of one element, divided by months per period",
                             true, false));
}

}  // namespace chipsim

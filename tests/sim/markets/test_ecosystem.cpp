// The software ecosystem (sim/core/ecosystem.hpp): a vendor's appeal rises, concavely, with the
// installed base of compute on its platform; a ban that grows the domestic base leaves domestic
// chips more attractive after it is lifted (the second backfire channel).
#include <catch2/catch.hpp>

#include <cmath>

#include "sim/core/ecosystem.hpp"
#include "support/scenario_edit.hpp"
#include "support/worlds.hpp"

using namespace chipsim;
using test::value;

TEST_CASE("ecosystem appeal is zero at the start, increasing and concave in the vendor's base, relative to the market's",
          "[ecosystem]") {
  Parameters q;
  q.ecosystem_utils_per_log_base = 0.8;
  q.ecosystem_reference_h100e = 1e5;
  const double b0 = 2e5, others0 = 1e6, others = 3e6;  // the rest of the market grows
  CHECK(ecosystem_appeal(q, b0, b0, b0 + others0, b0 + others0) == 0.0);
  // Growing with the market (in log(1 + B/R)) keeps the appeal; the market's growth alone lowers it.
  CHECK(ecosystem_appeal(q, b0, b0, b0 + others, b0 + others0) < 0);
  double last = -1e300, last_step = 1e300;
  for (double b = 0; b <= 5e6; b += 5e4) {
    const double u = ecosystem_appeal(q, b, b0, b + others, b0 + others0);
    CHECK(u > last);                         // monotone in its own base, the others fixed
    if (b > 0) CHECK(u - last < last_step);  // each step adds less: concave
    if (b > 0) last_step = u - last;
    last = u;
  }
  // A vendor alone in its market: own and total move together, nothing is gained.
  CHECK(ecosystem_appeal(q, 4e5, 0, 4e5, 0) == Approx(0.0).margin(1e-12));
  CHECK(ecosystem_appeal(q, 4e5, 0, 8e5, 4e5) == Approx(0.8 * (std::log(5.0) - std::log(9.0 / 5.0))).epsilon(1e-12));
  q.ecosystem_utils_per_log_base = 0;
  CHECK(ecosystem_appeal(q, 4e5, 0, 8e5, 4e5) == 0.0);
}

namespace {
// The tiny world with the ecosystem at weight w; `events` adds rules.
std::string world(double w, const std::string& events) {
  return test::tiny_scenario("\n[parameters]\necosystem_utils_per_log_base = " + std::to_string(w) +
                             "\necosystem_reference_h100e = 1e4\necosystem_depreciation_per_month = 0.02\n" + events);
}
// A ban on Big and Small to China for the first half of 2024, lifted in July.
const std::string kBanThenLift = test::us_deny_rule("2024-01", "ban", 2000) +
                                 "\n[[event]]\ndate = \"2024-07\"\naction = \"remove_control\"\nid = \"ban\"\n";
double ascend_to_cn(const test::Run& r, int t) {
  const auto C = static_cast<std::size_t>(r.model.n_countries());
  return value(r.state.series, "units_sold", t, static_cast<std::size_t>(*r.model.product_index("Ascend")) * C + 1);
}
}  // namespace

TEST_CASE("a ban that grows the domestic installed base raises domestic sales after it is lifted", "[ecosystem]") {
  const test::Run banned = test::run(world(0.5, kBanThenLift)), open = test::run(world(0.5, ""));
  const auto huawei = static_cast<std::size_t>(*banned.model.firm_index("Huawei"));
  // The base follows B_t = (1 - 0.02) B_{t-1} + compute sold.
  double base = 0;
  for (int t = 0; t < banned.model.n_periods(); ++t) {
    double sold = 0;
    const auto C = static_cast<std::size_t>(banned.model.n_countries());
    for (std::size_t c = 0; c < C; ++c)
      sold += value(banned.state.series, "units_sold", t, static_cast<std::size_t>(*banned.model.product_index("Ascend")) * C + c);
    base = 0.98 * base + sold * banned.model.products[static_cast<std::size_t>(*banned.model.product_index("Ascend"))].performance_h100e;
    CHECK(value(banned.state.series, "installed_base", t, huawei) == Approx(base).epsilon(1e-9));
  }
  for (int t = 7; t < 12; ++t) {  // after the lift
    INFO("period " << t);
    CHECK(value(banned.state.series, "ecosystem_appeal", t, huawei) > value(open.state.series, "ecosystem_appeal", t, huawei));
    CHECK(ascend_to_cn(banned, t) > ascend_to_cn(open, t) * 1.001);
  }
  // Without the ecosystem nothing carries the ban past its end in this world: the same sales.
  const test::Run banned0 = test::run(world(0, kBanThenLift)), open0 = test::run(world(0, ""));
  for (int t = 7; t < 12; ++t) CHECK(ascend_to_cn(banned0, t) == Approx(ascend_to_cn(open0, t)).epsilon(1e-9));
}

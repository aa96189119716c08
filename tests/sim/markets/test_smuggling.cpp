// Smuggling as a quantity (issue "Policy instruments"; sim/markets/accelerator_market.cpp): a
// denied accelerator flow its issuer does not fully enforce is smuggled up to (1 - enforcement) x
// the flow the ban removed, at a markup that rises with the volume; seizures cut the bound;
// sales can be booked in a transit country.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "support/identities.hpp"
#include "support/scenario_edit.hpp"
#include "support/worlds.hpp"

using namespace chipsim;

namespace {
// The tiny world (US maker of Big and Small, CN maker of Ascend), with Big denied to China from
// 2024-01 by a US rule, and the US government's smuggling keys.
std::string world(const std::string& government) {
  return test::tiny_scenario(test::us_deny_rule("2024-01", "deny_big", 4800, "")) + "\n[[government]]\ncountry = \"US\"\n" +
         government + "\n";
}
double at(const test::Run& r, const char* name, int t, std::size_t k) { return test::value(r.state.series, name, t, k); }

struct Flow {
  std::size_t big, cn, C;
  explicit Flow(const Model& m)
      : big(static_cast<std::size_t>(*m.product_index("Big"))), cn(static_cast<std::size_t>(*m.country_index("CN"))),
        C(static_cast<std::size_t>(m.n_countries())) {}
  std::size_t k() const { return big * C + cn; }
};
}  // namespace

TEST_CASE("smuggling: the volume never exceeds its bound, (1 - enforcement) x the flow the ban removed", "[market][smuggling]") {
  for (const double enforcement : {0.5, 0.8, 0.95}) {
    // A cheap smuggling channel (no markup): buyers want more than the bound, so it binds.
    const test::Run r = test::run(world("enforcement = " + std::to_string(enforcement) +
                                        "\ngrey_market_markup = 0\ngrey_market_markup_slope = 0"));
    const Flow f(r.model);
    bool bound_binds = false;
    for (int t = 0; t < r.model.n_periods(); ++t) {
      const double units = at(r, "smuggled_units", t, f.k()), bound = at(r, "smuggling_bound", t, f.k());
      INFO("enforcement " << enforcement << ", period " << t);
      CHECK(units > 0);
      CHECK(units <= bound * (1 + 1e-3));  // held to 0.1 % (kSmugglingTolerance)
      CHECK(units == at(r, "units_sold", t, f.k()));  // every unit to CN is smuggled
      bound_binds = bound_binds || units > bound * (1 - 1e-3);
    }
    CHECK(bound_binds);
    test::check_identities(r.model, r.state.series);
  }
  // The bound is (1 - enforcement) x what CN's buyers would buy of Big legally (at last period's
  // prices): halving the leak share halves it, but for the small change in prices the smuggling
  // itself makes.
  const test::Run a = test::run(world("enforcement = 0.8\ngrey_market_markup = 0\ngrey_market_markup_slope = 0"));
  const test::Run b = test::run(world("enforcement = 0.9\ngrey_market_markup = 0\ngrey_market_markup_slope = 0"));
  const Flow f(a.model);
  for (int t = 0; t < a.model.n_periods(); ++t)
    CHECK(at(a, "smuggling_bound", t, f.k()) / at(b, "smuggling_bound", t, f.k()) == Approx(2.0).epsilon(0.05));
}

TEST_CASE("smuggling: full enforcement stops it; no rule, no smuggling", "[market][smuggling]") {
  const test::Run tight = test::run(world("enforcement = 1.0"));
  const test::Run open = test::run(test::tiny_scenario());
  const Flow f(tight.model);
  for (int t = 0; t < tight.model.n_periods(); ++t) {
    CHECK(at(tight, "smuggled_units", t, f.k()) == 0.0);
    CHECK(at(tight, "units_sold", t, f.k()) == 0.0);
    CHECK(at(open, "smuggled_units", t, f.k()) == 0.0);
    CHECK(std::isnan(at(open, "smuggling_bound", t, f.k())));
  }
}

TEST_CASE("smuggling: the volume rises with the price gap and the markup rises with the volume", "[market][smuggling]") {
  // The gap between what smuggled Big costs CN's buyers and what it is worth to them narrows as the
  // base markup rises: the smuggled volume falls.
  double last = std::numeric_limits<double>::infinity();
  for (const double base : {0.1, 0.5, 1.0, 2.0}) {
    const test::Run r = test::run(world("enforcement = 0.5\ngrey_market_markup = " + std::to_string(base)));
    const Flow f(r.model);
    const double units = at(r, "smuggled_units", 6, f.k());
    CHECK(units < last);
    last = units;
    // The markup paid is the base plus the slope (1 by default) x the share of its bound the flow
    // used last period.
    const double markup = at(r, "grey_markup", 6, f.k());
    const double last_share = std::min(1.0, at(r, "smuggled_units", 5, f.k()) / at(r, "smuggling_bound", 5, f.k()));
    CHECK(markup == Approx(base + 1.0 * last_share).epsilon(1e-12));
    CHECK(at(r, "grey_markup", 0, f.k()) == Approx(base).epsilon(1e-12));  // nothing smuggled before
    CHECK(at(r, "grey_market_margin", 6, f.cn) == Approx(markup * at(r, "price", 6, f.big) * units).epsilon(1e-9));
  }
}

TEST_CASE("smuggling: seizures cut the bound at random, a capacity caps it, sales can be booked in transit", "[market][smuggling]") {
  const std::string base = "enforcement = 0.8\ngrey_market_markup = 0\ngrey_market_markup_slope = 0";
  const test::Run none = test::run(world(base));
  const test::Run seized = test::run(world(base + "\nsmuggling_seizure_rate = 0.3"));
  const test::Run capped = test::run(world(base + "\nsmuggling_capacity_units_per_month = 1000"));
  const Flow f(none.model);
  double total_none = 0, total_seized = 0;
  int lower = 0;
  for (int t = 0; t < none.model.n_periods(); ++t) {
    total_none += at(none, "smuggled_units", t, f.k());
    total_seized += at(seized, "smuggled_units", t, f.k());
    lower += at(seized, "smuggling_bound", t, f.k()) < at(none, "smuggling_bound", t, f.k());
    CHECK(at(capped, "smuggled_units", t, f.k()) <= 1000 * (1 + 1e-3));
  }
  CHECK(lower >= none.model.n_periods() - 1);  // U[0, 0.6) seizures: almost surely every period
  CHECK(total_seized < 0.9 * total_none);
  // Booked in the US (a sale through a third country): the revenue moves, the units do not.
  const test::Run transit = test::run(world(base + "\nsmuggling_booked_in = \"US\""));
  const std::size_t us = static_cast<std::size_t>(*transit.model.country_index("US"));
  const std::size_t nvidia = static_cast<std::size_t>(*transit.model.firm_index("Nvidia"));
  const std::size_t C = f.C;
  for (int t = 0; t < transit.model.n_periods(); ++t) {
    CHECK(at(transit, "smuggled_units", t, f.k()) == at(none, "smuggled_units", t, f.k()));
    const double cn_revenue = at(transit, "revenue", t, nvidia * C + f.cn);
    const double small_to_cn = at(transit, "price", t, static_cast<std::size_t>(*transit.model.product_index("Small"))) *
                               at(transit, "units_sold", t, static_cast<std::size_t>(*transit.model.product_index("Small")) * C + f.cn);
    CHECK(cn_revenue == Approx(small_to_cn).epsilon(1e-9));  // only the legal sales to CN
    CHECK(at(transit, "revenue", t, nvidia * C + us) > at(none, "revenue", t, nvidia * C + us));
  }
}

TEST_CASE("smuggling: a smoothed load prices the markup and damps the cobweb of a full and an empty bound", "[market][smuggling]") {
  // load_t = load_{t-1} + a (share used in t-1 - load_{t-1}), markup_t = base + slope x load_t.
  const double a = 0.3, base = 0.2, slope = 2.0;
  const std::string keys = "enforcement = 0.5\ngrey_market_markup = 0.2\ngrey_market_markup_slope = 2.0\n";
  const test::Run smooth = test::run(world(keys + "grey_market_markup_adjustment_per_month = 0.3"));
  const test::Run raw = test::run(world(keys));
  const Flow f(smooth.model);
  double load = 0;
  for (int t = 1; t < smooth.model.n_periods(); ++t) {
    const double used = std::min(1.0, at(smooth, "smuggled_units", t - 1, f.k()) / at(smooth, "smuggling_bound", t - 1, f.k()));
    load += a * (used - load);
    CHECK(at(smooth, "grey_markup", t, f.k()) == Approx(base + slope * load).epsilon(1e-12));
  }
  // The swing of the smuggled volume from one month to the next, over the second half-year.
  auto swing = [&](const test::Run& r) {
    double s = 0;
    for (int t = 6; t < r.model.n_periods(); ++t)
      s += std::abs(at(r, "smuggled_units", t, f.k()) - at(r, "smuggled_units", t - 1, f.k()));
    return s;
  };
  INFO("swing with the raw load " << swing(raw) << ", smoothed " << swing(smooth));
  CHECK(swing(raw) > 0);
  CHECK(swing(smooth) < 0.5 * swing(raw));
}

// China's critical-mineral export controls (sim/core/critical_minerals.hpp,
// sim/policy/mineral_events.cpp): cost and capacity shocks on exposed firms, nodes and packaging
// lines, from the control's date until it is lifted, and nothing on the unexposed.
#include <catch2/catch.hpp>

#include <string>

#include "sim/scenario/scenario.hpp"
#include "support/scenario_edit.hpp"
#include "support/worlds.hpp"

using namespace chipsim;
using test::value;
using test::with_keys;

namespace {
// Gallium: CN produces 90 % of the world's supply; a fully exposed entity pays 50 % more and
// loses 40 % of its capacity when all of it is denied.
const std::string kGallium = R"(
[[critical_mineral]]
name = "gallium"
producer = "CN"
producer_share = 0.9
cost_increase = 0.5
capacity_loss = 0.4
)";

std::string control(const std::string& date, const std::string& keys = "enforcement = 0.5\n") {
  return "\n[[event]]\ndate = \"" + date + "\"\naction = \"add_mineral_control\"\nid = \"cn_gallium\"\nissuer = \"CN\"\n" +
         "minerals = [\"gallium\"]\ndestinations = [\"US\"]\n" + keys;
}
const std::string kLift = "\n[[event]]\ndate = \"2024-10\"\naction = \"remove_mineral_control\"\nissuer = \"CN\"\n";

std::string world(const std::string& events) {
  return with_keys(test::tiny_scenario(kGallium + events), "Nvidia", "mineral_exposure = { gallium = 0.6 }");
}
double series(const test::Run& r, const char* name, int t, const char* product) {
  return value(r.state.series, name, t, static_cast<std::size_t>(*r.model.product_index(product)));
}
}  // namespace

TEST_CASE("a mineral control raises an exposed maker's cost and cuts its capacity from its date until lifted", "[minerals]") {
  const auto base = test::run(world(""));
  const auto hit = test::run(world(control("2024-06") + kLift));
  // denial = 0.9 x 0.5; cost x (1 + 0.6 x 0.5 x 0.45), capacity x (1 - 0.6 x 0.4 x 0.45).
  const double cost = 1 + 0.6 * 0.5 * 0.45, capacity = 1 - 0.6 * 0.4 * 0.45;
  for (int t = 0; t < 12; ++t) {
    INFO("period " << t);
    const bool on = t >= 5 && t < 9;  // 2024-06 .. 2024-09
    for (const char* p : {"Big", "Small"}) {
      CHECK(series(hit, "marginal_cost", t, p) == Approx(series(base, "marginal_cost", t, p) * (on ? cost : 1.0)).epsilon(1e-12));
      CHECK(series(hit, "mineral_cost_factor", t, p) == Approx(on ? cost : 1.0).epsilon(1e-12));
    }
    // Capacity is ample here: the output ceiling is the line's capacity x the factor.
    CHECK(series(hit, "effective_capacity", t, "Big") ==
          Approx(series(base, "effective_capacity", t, "Big") * (on ? capacity : 1.0)).epsilon(1e-12));
    // The unexposed (and the producer's own) maker is untouched in cost; only its rivals' prices move.
    CHECK(series(hit, "marginal_cost", t, "Ascend") == series(base, "marginal_cost", t, "Ascend"));
    CHECK(value(hit.state.series, "mineral_denial", t, 0 * 2 + 0) == Approx(on ? 0.45 : 0.0));  // (gallium, US)
    CHECK(value(hit.state.series, "mineral_denial", t, 0 * 2 + 1) == 0.0);                        // (gallium, CN)
  }
  // A dearer rival: the exposed maker's price rises, and the unexposed one sells more.
  CHECK(series(hit, "price", 6, "Big") > series(base, "price", 6, "Big"));
}

TEST_CASE("a mineral control on a foundry node passes its cost into the dies of every product made there", "[minerals]") {
  const std::string node = R"(
[[equipment_supplier]]
country = "US"
tool = "etch"
share = 0.5
[[process_node]]
name = "US_N4"
country = "US"
feature_nm = 4
wafers_per_month = 1e7
wafer_cost_usd = 16000
defect_density_per_cm2 = 0.1
tools = ["etch"]
mineral_exposure = { gallium = 1.0 }
)";
  auto text = [&](const std::string& events) {
    return with_keys(test::tiny_scenario(kGallium + node + events), "Big", "process_node = \"US_N4\"\ndie_area_mm2 = 814");
  };
  const auto base = test::run(text(""));
  const auto hit = test::run(text(control("2024-06", "")));  // full enforcement: denial 0.9, wafers x 1.45
  const double good = gross_dies_per_wafer(814, 300) * poisson_yield(814, 0.1);
  for (int t : {2, 7}) {
    const double extra = t >= 5 ? 16000 * 0.45 / good : 0.0;
    CHECK(series(hit, "marginal_cost", t, "Big") == Approx(series(base, "marginal_cost", t, "Big") + extra).epsilon(1e-12));
    CHECK(series(hit, "marginal_cost", t, "Small") == series(base, "marginal_cost", t, "Small"));  // not made on the node
  }
}

TEST_CASE("bad mineral input gives located errors", "[minerals][errors]") {
  using test::error_of;
  CHECK_THAT(error_of(with_keys(test::tiny_scenario(kGallium), "Nvidia", "mineral_exposure = { galium = 0.6 }")),
             Catch::Contains("bad.toml:") && Catch::Contains("mineral_exposure.galium") && Catch::Contains("unknown critical mineral"));
  CHECK_THAT(error_of(with_keys(test::tiny_scenario(kGallium), "Nvidia", "mineral_exposure = { gallium = 1.5 }")),
             Catch::Contains("mineral_exposure.gallium"));
  const std::string us_issuer = "\n[[event]]\ndate = \"2024-06\"\naction = \"add_mineral_control\"\nid = \"x\"\nissuer = \"US\"\nminerals = [\"gallium\"]\n";
  CHECK_THAT(error_of(test::tiny_scenario(kGallium + us_issuer)), Catch::Contains("minerals") && Catch::Contains("not by the issuer US"));
  CHECK_THAT(error_of(test::tiny_scenario(kGallium + kGallium)), Catch::Contains("a second [[critical_mineral]]"));
  CHECK_THAT(error_of(test::tiny_scenario(kGallium + "\n[[event]]\ndate = \"2024-06\"\naction = \"remove_mineral_control\"\n")),
             Catch::Contains("exactly one of id and issuer"));
}

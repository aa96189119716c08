// A ladder of generations (sim/scenario/generation_ladder_reader.cpp, agents/chipmakers.cpp
// draw_rung_specs): a firm's successors after its waiting product arrive by innovation, each a
// new product whose specs are drawn relative to the world frontier and its predecessor.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "sim/pipeline/pipeline.hpp"
#include "sim/scenario/scenario.hpp"
#include "support/identities.hpp"
#include "support/scenario_edit.hpp"
#include "support/worlds.hpp"

using namespace chipsim;
using test::value;
using test::with_keys;

namespace {
// Huawei's waiting product Ascend2 (on SMIC-like node N7) and a ladder of four more rungs; a fast
// innovator so that several arrive within the run.
const std::string kLadder = R"(
[[equipment_supplier]]
country = "CN"
tool = "etch"
share = 1.0
[[process_node]]
name = "N7"
country = "CN"
feature_nm = 7
wafers_per_month = 1e7
wafer_cost_usd = 10000
defect_density_per_cm2 = 0.1
tools = ["etch"]

[[product]]
name = "Ascend2"
kind = "accelerator"
owner = "Huawei"
launch = "on_arrival"
generation = 1
tpp = 10240
die_area_mm2 = 600
memory_bandwidth_GBps = 1600
appeal = 1.0
marginal_cost_usd = 6000
capacity_units_per_month = 1e9
process_node = "N7"

[[generation_ladder]]
firm = "Huawei"
template = "Ascend2"
rungs = 4
performance_ratio = [0.5, 0.9]
die_area_ratio = [1.0, 1.3]
learning_spillover = 0.5
)";
std::string world() {
  return with_keys(test::tiny_scenario(kLadder, "2027-12"), "Huawei",
                   "rd_share = 0.3\narrival_hazard_per_month = 0.3\nknowledge_reference_usd = 1e8\ninitial_knowledge_usd = 1e8\n"
                   "learning_rate = 0.2");
}
}  // namespace

TEST_CASE("a new generation creates a product with specs in the stated range", "[agents][ladder]") {
  const test::Run r = test::run(world());
  const Model& m = r.model;
  REQUIRE(m.generation_ladders.size() == 1);
  const auto& s = r.state.series;
  int arrived = 0;
  for (int k = 2; k <= 5; ++k) {
    const std::string name = "Ascend2_g" + std::to_string(k);
    const auto j = m.product_index(name);
    REQUIRE(j);
    const Product& p = m.products[static_cast<std::size_t>(*j)];
    CHECK(p.generation == k);
    CHECK(p.launch_on_arrival);
    const int launch = r.state.launch_period(*j);
    if (!r.state.launched[static_cast<std::size_t>(*j)]) continue;
    ++arrived;
    INFO(name << " on sale from period " << launch);
    // The frontier the arrival was drawn against: the most performant accelerator on sale in the
    // period it arrived (launch - 1).
    double frontier = 0;
    for (int i : m.products_of(ProductKind::accelerator))
      if (r.state.launched[static_cast<std::size_t>(i)] && r.state.launch_period(i) <= launch - 1)
        frontier = std::max(frontier, value(s, "performance", launch - 1, static_cast<std::size_t>(i)));
    const double perf = value(s, "performance", launch, static_cast<std::size_t>(*j));
    const double before = value(s, "performance", launch, static_cast<std::size_t>(p.predecessor));
    CHECK(perf >= std::max(0.5 * frontier, before) * (1 - 1e-12));
    CHECK(perf <= std::max(0.9 * frontier, before) * (1 + 1e-12));
    // Die area within [1.0, 1.3] x the predecessor's; TPP scales with performance.
    const double area = r.state.die_area_mm2(*j), area_before = r.state.die_area_mm2(p.predecessor);
    CHECK(area >= area_before);
    CHECK(area <= 1.3 * area_before * (1 + 1e-12));
    const auto& base = m.products[static_cast<std::size_t>(*m.product_index("Ascend2"))];
    CHECK(r.state.attributes[static_cast<std::size_t>(*j)][static_cast<int>(Attribute::tpp)] ==
          Approx(10240 * perf / base.performance_h100e).epsilon(1e-12));
    // Before its arrival the rung is not on sale.
    const auto C = static_cast<std::size_t>(m.n_countries());
    for (int t = 0; t < launch; ++t)
      for (std::size_t c = 0; c < C; ++c) CHECK(value(s, "units_sold", t, static_cast<std::size_t>(*j) * C + c) == 0);
  }
  CHECK(arrived >= 2);
  test::check_identities(r.model, r.state.series);
}

TEST_CASE("a successor on the same node starts its learning curve from a share of its predecessor's output", "[agents][ladder]") {
  const test::Run r = test::run(world());
  const Model& m = r.model;
  const auto j = *m.product_index("Ascend2_g2");
  REQUIRE(r.state.launched[static_cast<std::size_t>(j)]);
  const int t = r.state.launch_period(j) - 1;  // the period it arrived in: its cumulative output was seeded
  const auto pred = static_cast<std::size_t>(*m.product_index("Ascend2"));
  // cumulative_output is recorded at the end of each period: the successor's first value is half
  // the predecessor's then (the seeding happens after the period's sales are added).
  CHECK(value(r.state.series, "cumulative_output", t, static_cast<std::size_t>(j)) ==
        Approx(0.5 * value(r.state.series, "cumulative_output", t, pred)).epsilon(1e-12));
}

TEST_CASE("bad generation ladders give located errors", "[agents][ladder][errors]") {
  using test::error_of;
  const std::string base = test::tiny_scenario(kLadder);
  auto edit = [&](const std::string& from, const std::string& to) {
    std::string s = base;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  CHECK_THAT(error_of(edit("template = \"Ascend2\"", "template = \"Big\"")), Catch::Contains("not a product of Huawei"));
  CHECK_THAT(error_of(edit("template = \"Ascend2\"", "template = \"Ascend\"")), Catch::Contains("launch = \"on_arrival\""));
  CHECK_THAT(error_of(edit("performance_ratio = [0.5, 0.9]", "performance_ratio = [0.9, 0.5]")),
             Catch::Contains("bad.toml:") && Catch::Contains("generation_ladder[0].performance_ratio"));
  CHECK_THAT(error_of(edit("rungs = 4", "rungs = 0")), Catch::Contains("rungs"));
}

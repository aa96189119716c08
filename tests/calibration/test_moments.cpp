#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "calibration/moments.hpp"
#include "sim/pipeline/pipeline.hpp"
#include "sim/scenario/scenario.hpp"
#include "support/worlds.hpp"

using namespace chipsim;

TEST_CASE("CSV fields honour quotes and doubled quotes", "[calibration]") {
  const auto f = split_csv_line(R"(a,"b, c","say ""hi""",,e)");
  REQUIRE(f.size() == 5);
  CHECK(f[1] == "b, c");
  CHECK(f[2] == "say \"hi\"");
  CHECK(f[3].empty());
}

TEST_CASE("the shipped public figures load with sources", "[calibration]") {
  const auto targets = load_targets(CHIPSIM_DEFAULT_TARGETS);
  CHECK(targets.size() > 40);
  bool found = false;
  for (const Target& t : targets)
    if (t.key == "nvidia_datacenter_revenue" && t.period.rfind("FY2024", 0) == 0) {
      found = true;
      CHECK(t.value == 47.5);
      CHECK(t.confidence == "H");
      CHECK_THAT(t.source, Catch::Contains("Nvidia"));
    }
  CHECK(found);
}

TEST_CASE("target periods map to calendar months", "[calibration]") {
  CHECK(period_months("FY2024 (to Jan 2024)") == std::pair{Month{2023, 2}, Month{2024, 1}});
  CHECK(period_months("2023H1") == std::pair{Month{2023, 1}, Month{2023, 6}});
  CHECK(period_months("2024Q3") == std::pair{Month{2024, 7}, Month{2024, 9}});
  CHECK(period_months("2024-02/2024-10") == std::pair{Month{2024, 2}, Month{2024, 10}});
  CHECK_FALSE(period_months("2024-10/2024-02"));
  CHECK(period_months("2024") == std::pair{Month{2024, 1}, Month{2024, 12}});
  CHECK(period_months("2025-04-14") == std::pair{Month{2025, 4}, Month{2025, 4}});
  CHECK_FALSE(period_months("1974-1992"));
}

TEST_CASE("moments recompute the run's own sums and the objective is zero at the targets", "[calibration]") {
  // The tiny world names its makers Nvidia (US) and Huawei (CN), like the shipped scenarios.
  const Model m = load_scenario_text(test::tiny_scenario(), "tiny.toml");
  RunOptions o;
  o.seed = 1;
  const State s = run_model(m, o);
  const int nv = *m.firm_index("Nvidia"), cn = *m.country_index("CN"), C = m.n_countries(), F = m.n_firms();
  double total = 0, china = 0;
  for (int t = 0; t < m.n_periods(); ++t)
    for (int c = 0; c < C; ++c) {
      const double r = s.series.variable("revenue").data[static_cast<std::size_t>((t * F + nv) * C + c)];
      total += r;
      if (c == cn) china += r;
    }
  Target revenue{"nvidia_datacenter_revenue", 0, "USD_billion", "2024", "reported", "", "H"};
  Target share{"nvidia_china_revenue_share", 0, "share", "2024", "reported", "", "H"};
  CHECK(*(*find_moment(revenue.key))(m, s.series, revenue) == Approx(total / 1e9).epsilon(1e-12));
  CHECK(*(*find_moment(share.key))(m, s.series, share) == Approx(china / total).epsilon(1e-12));
  Target outside{"nvidia_datacenter_revenue", 0, "USD_billion", "2025", "reported", "", "H"};
  CHECK_FALSE((*find_moment(outside.key))(m, s.series, outside));  // the run ends in 2024-12

  revenue.value = total / 1e9;
  share.value = china / total;
  const FitReport perfect = fit_report(m, s.series, {revenue, share, outside});
  CHECK(perfect.n_compared == 2);
  CHECK(perfect.objective == Approx(0.0).margin(1e-20));
  share.value *= 2;
  const FitReport off = fit_report(m, s.series, {revenue, share});
  CHECK(off.objective == Approx(std::log(2.0) * std::log(2.0)).epsilon(1e-12));
}

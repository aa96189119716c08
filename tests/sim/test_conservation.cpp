#include <catch2/catch.hpp>

#include <cmath>

#include "sim/accounting.hpp"
#include "sim/pipeline/pipeline.hpp"
#include "sim/scenario.hpp"
#include "support/worlds.hpp"

using namespace chipsim;

namespace {
const std::string kWedges = R"(
[[tariff]]
importer = "CN"
origin = "US"
kind = "accelerator"
rate = 0.25

[[event]]
date = "2024-04"
action = "add_control"
id = "licence_small"
issuer = "US"
kind = "accelerator"
destinations = ["CN"]
treatment = "licence"
licence_fee = 0.15
[[event.prong]]
products = ["Small"]

[[event]]
date = "2024-07"
action = "set_tariff"
importer = "US"
origin = "CN"
kind = "accelerator"
rate = 0.5
)";

// Recomputes the money and unit identities from the recorded series, independently of the
// in-run checks.
void check_identities(const Model& m, const Series& s) {
  const int P = m.n_products(), C = m.n_countries(), F = m.n_firms();
  const auto& price = s.variable("price").data;
  const auto& units = s.variable("units_sold").data;
  const auto& fee = s.variable("licence_fee").data;
  const auto& revenue = s.variable("revenue").data;
  const auto& spend = s.variable("buyer_spend").data;
  const auto& tariffs = s.variable("tariff_income").data;
  const auto& fees = s.variable("fee_income").data;
  const auto& capacity = s.variable("capacity").data;
  const auto& cash = s.variable("firm_cash").data;
  const auto& hbm_spend = s.variable("hbm_spend").data;  // (t, firm)
  std::vector<double> prev_cash(static_cast<std::size_t>(F));
  for (int f = 0; f < F; ++f) prev_cash[static_cast<std::size_t>(f)] = m.firms[f].initial_cash_usd;
  for (int t = 0; t < m.n_periods(); ++t) {
    double paid = 0, rev = 0, tar = 0, fee_in = 0, fee_owed = 0;
    std::vector<double> net(static_cast<std::size_t>(F), 0.0);
    for (int c = 0; c < C; ++c) {
      paid += spend[static_cast<std::size_t>(t * C + c)];
      tar += tariffs[static_cast<std::size_t>(t * C + c)];
      fee_in += fees[static_cast<std::size_t>(t * C + c)];
      for (int f = 0; f < F; ++f) rev += revenue[static_cast<std::size_t>((t * F + f) * C + c)];
    }
    for (int f = 0; f < F; ++f) {
      paid += hbm_spend[static_cast<std::size_t>(t * F + f)];  // accelerator makers pay for HBM
      net[static_cast<std::size_t>(f)] -= hbm_spend[static_cast<std::size_t>(t * F + f)];
    }
    for (int j = 0; j < P; ++j) {
      double sold = 0;
      for (int c = 0; c < C; ++c) {
        const std::size_t k = static_cast<std::size_t>((t * P + j) * C + c);
        CHECK(units[k] >= 0);
        sold += units[k];
        if (units[k] > 0) {
          const double p = price[static_cast<std::size_t>(t * P + j)];
          fee_owed += fee[k] * p * units[k];
          net[static_cast<std::size_t>(m.products[j].owner)] += ((1 - fee[k]) * p - m.products[j].marginal_cost_usd) * units[k];
          CHECK(p >= m.products[j].marginal_cost_usd);
        }
      }
      CHECK(sold <= capacity[static_cast<std::size_t>(t * P + j)] * (1 + 1e-9));
    }
    // Buyers' money (AI firms' and accelerator makers' for HBM) goes to firms (gross revenue)
    // and to importing governments (tariffs); firms' gross revenue goes to their cash (net of
    // cost and HBM bought) and to licensing governments.
    CHECK(paid == Approx(rev + tar).epsilon(1e-10));
    CHECK(fee_in == Approx(fee_owed).epsilon(1e-10).margin(1e-6));
    for (int f = 0; f < F; ++f) {
      const double now = cash[static_cast<std::size_t>(t * F + f)];
      CHECK(now - prev_cash[static_cast<std::size_t>(f)] == Approx(net[static_cast<std::size_t>(f)]).epsilon(1e-9));
      prev_cash[static_cast<std::size_t>(f)] = now;
    }
  }
}
}  // namespace

TEST_CASE("money and units are conserved every period with tariffs and licence fees", "[conservation]") {
  const std::string text = test::tiny_scenario(kWedges);
  const Model m = load_scenario_text(text, "tiny.toml");
  const State s = test::run_text(text);
  check_identities(m, s.series);
  // The wedges were really exercised.
  double tariff_total = 0, fee_total = 0;
  for (double v : s.series.variable("tariff_income").data) tariff_total += v;
  for (double v : s.series.variable("fee_income").data) fee_total += v;
  CHECK(tariff_total > 0);
  CHECK(fee_total > 0);
}

TEST_CASE("history conserves money and units in every period", "[conservation][history]") {
  const Model m = load_scenario(std::string(CHIPSIM_SOURCE_DIR) + "/experiments/scenarios/history.toml");
  RunOptions o;
  o.seed = m.default_seed;
  const State s = run_model(m, o);
  check_identities(m, s.series);
  for (double r : s.series.variable("pricing_residual").data) CHECK(r < 1e-8);
}

TEST_CASE("a broken invariant stops the run naming the period and quantity", "[conservation]") {
  const Model m = load_scenario_text(test::tiny_scenario(), "tiny.toml");
  State s = initial_state(m, RandomKey{1, 0});
  s.period = 3;
  s.units_to.setZero(m.n_products(), m.n_countries());
  s.units_to(0, 1) = 5;  // delivered but never sold
  s.units_sold.setZero(m.n_products());
  s.price_usd = Eigen::VectorXd::Constant(m.n_products(), 10000.0);
  s.available.setOnes(m.n_products(), m.n_countries());
  s.licence_fee.setZero(m.n_products(), m.n_countries());
  s.tariff_rate.setZero(m.n_products(), m.n_countries());
  try {
    check_invariants(m, s);
    FAIL("the broken state passed the checks");
  } catch (const InvariantError& e) {
    CHECK(e.period() == 3);
    CHECK_THAT(std::string(e.what()), Catch::Contains("2024-04"));
    CHECK_THAT(std::string(e.what()), Catch::Contains("Big"));
  }
}

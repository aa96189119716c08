// The logit pass evaluated by the expansion in the buyers' price sensitivity
// (sim/demand/logit_series.hpp) against the direct evaluation, one exponential per buyer and product.
#include <catch2/catch.hpp>

#include <tbb/global_control.h>
#include <toml++/toml.h>

#include <cmath>
#include <limits>
#include <cstring>
#include <memory>
#include <string>

#include "sim/markets/bertrand_nash.hpp"
#include "sim/demand/demand_model.hpp"
#include "sim/core/error.hpp"
#include "sim/demand/logit_rows.hpp"
#include "sim/demand/logit_series.hpp"
#include "sim/core/model.hpp"
#include "sim/scenario/table_reader.hpp"
#include "support/worlds.hpp"

using namespace chipsim;

namespace {
// A demand model with the given [demand] keys.
std::shared_ptr<const DemandModel> demand(const std::string& model, const toml::table& keys) {
  TableReader r(keys, "test", "demand");
  Model world;
  auto d = make_demand_model(model, r, world);
  REQUIRE(d);
  r.finish();
  return d;
}

std::shared_ptr<const DemandModel> logit(const std::string& evaluation) { return demand("logit", toml::table{{"evaluation", evaluation}}); }

PricingTerms pass(const DemandModel& d, const MarketData& m, const Eigen::VectorXd& p, const Eigen::VectorXd* rationing) {
  PricingTerms t;
  d.pricing_pass(m, p, rationing, t);
  return t;
}

// Same size, the direct values finite and so the series' (the max() of a check would pass over
// a NaN).
template <class A, class B>
void require_comparable(const A& series, const B& direct) {
  REQUIRE(series.size() == direct.size());
  REQUIRE(direct.allFinite());
  CHECK(series.allFinite());
}

// Every entry within `tol` of the other, relative to the largest entry of the vector (the terms
// are sums of positive and negative parts of that size).
template <class A, class B>
void check_close(const char* what, const A& series, const B& direct, double tol) {
  INFO(what);
  require_comparable(series, direct);
  const double scale = std::max(1e-300, direct.cwiseAbs().maxCoeff());
  const double worst = (series - direct).cwiseAbs().maxCoeff() / scale;
  CHECK(worst <= tol);
}

// Sums of positive terms (quantities, slopes, units, spending): every entry within `tol` of its
// own value, however small (a small country's home products, tiny shares).
template <class A, class B>
void check_each_close(const char* what, const A& series, const B& direct, double tol) {
  INFO(what);
  require_comparable(series, direct);
  double worst = 0;
  for (Eigen::Index k = 0; k < direct.size(); ++k) {
    const double d = direct.data()[k], s = series.data()[k];
    worst = std::max(worst, d == 0 ? std::abs(s) : std::abs(s / d - 1));
  }
  CHECK(worst <= tol);
}

void check_same_terms(const PricingTerms& s, const PricingTerms& d, bool allocation, double tol = 1e-12) {
  check_each_close("quantity", s.quantity, d.quantity, tol);
  check_each_close("slope", s.slope, d.slope, tol);
  check_each_close("slope_net", s.slope_net, d.slope_net, tol);
  // Differences of sums (margins may be negative, S2 - S4): relative to the largest entry.
  check_close("foc_rest", s.foc_rest, d.foc_rest, tol);
  check_close("own_derivative", s.own_derivative, d.own_derivative, tol);
  if (!allocation) return;
  check_each_close("units_to", s.units_to, d.units_to, tol);
  check_each_close("buyer_spend", s.buyer_spend, d.buyer_spend, tol);
  check_each_close("buyer_compute", s.buyer_compute, d.buyer_compute, tol);
  check_each_close("buyer_domestic_units", s.buyer_domestic_units, d.buyer_domestic_units, tol);
}

// The expansion applies to this market at these prices (else "series" falls back to direct and a
// comparison would compare the direct pass with itself); returns its bin count.
// The nested logit's plan: utility_scale = 1 / lambda, each nest shifted by its own top.
int series_bins(const MarketData& m, const Eigen::VectorXd& p, double utility_scale = 1.0, bool shift_by_nest = false) {
  const auto plan = plan_logit_series(m, owner_grouped_rows(m, p, nullptr), kMaxSeriesBins, utility_scale, shift_by_nest);
  REQUIRE(plan.has_value());
  return plan->n_bins;
}

template <class V>
bool same_bits(const V& a, const V& b) {
  return a.size() == b.size() &&
         (a.size() == 0 || std::memcmp(a.data(), b.data(), sizeof(double) * static_cast<std::size_t>(a.size())) == 0);
}

bool same_bits(const PricingTerms& a, const PricingTerms& b) {
  return same_bits(a.quantity, b.quantity) && same_bits(a.slope, b.slope) && same_bits(a.slope_net, b.slope_net) &&
         same_bits(a.foc_rest, b.foc_rest) && same_bits(a.own_derivative, b.own_derivative) &&
         same_bits(a.units_to, b.units_to) && same_bits(a.buyer_spend, b.buyer_spend) &&
         same_bits(a.buyer_compute, b.buyer_compute) && same_bits(a.buyer_domestic_units, b.buyer_domestic_units);
}

bool same_with_1_and_2_threads(const DemandModel& d, const MarketData& m, const Eigen::VectorXd& p,
                               const Eigen::VectorXd& ration) {
  PricingTerms one, two;
  {
    tbb::global_control c(tbb::global_control::max_allowed_parallelism, 1);
    one = pass(d, m, p, &ration);
  }
  {
    tbb::global_control c(tbb::global_control::max_allowed_parallelism, 2);
    two = pass(d, m, p, &ration);
  }
  return same_bits(one, two);
}
}  // namespace

TEST_CASE("the series pass equals the direct pass to rounding, with wedges, masks and home bias",
          "[demand][logit][series]") {
  // Tariffs, licence fees, masked products, compute-denominated choices, multi-product owners.
  MarketData m = test::random_market(3000, 24, 5, 4, 31);
  const auto series = logit("series"), direct = logit("direct");
  const Eigen::VectorXd ration = Eigen::VectorXd::LinSpaced(m.n_products(), 0.5, 1.0);
  for (double markup : {1.05, 1.6, 4.0}) {
    INFO("markup " << markup);
    const Eigen::VectorXd p = m.marginal_cost * markup;
    CHECK(series_bins(m, p) >= 4);
    check_same_terms(pass(*series, m, p, nullptr), pass(*direct, m, p, nullptr), false);
    check_same_terms(pass(*series, m, p, &ration), pass(*direct, m, p, &ration), true);
  }
}

TEST_CASE("price sensitivities spread 3000-fold and strong home biases need hundreds of bins and stay exact",
          "[demand][logit][series]") {
  MarketData m = test::random_market(6000, 16, 4, 3, 37);
  for (int i = 0; i < m.n_buyers(); ++i) {
    m.alpha(i) = 1e-6 * std::pow(3000.0, static_cast<double>(i % 97) / 96.0);  // 1e-6 .. 3e-3 per USD
    m.home_bias(i) = -100.0 + 200.0 * static_cast<double>(i % 13) / 12.0;      // utils: the scenario range
  }
  m.mean_utility.array() += 3.0;  // products worth far more than the outside option
  const Eigen::VectorXd p = m.marginal_cost * 1.5;
  CHECK(series_bins(m, p) > 200);
  const Eigen::VectorXd ration = Eigen::VectorXd::Constant(m.n_products(), 0.8);
  const auto series = logit("series"), direct = logit("direct");
  check_same_terms(pass(*series, m, p, &ration), pass(*direct, m, p, &ration), true, 1e-11);
}

TEST_CASE("buyers that all share one price sensitivity form one bin of zero width", "[demand][logit][series]") {
  MarketData m = test::random_market(500, 10, 3, 2, 41);
  m.alpha.setConstant(1e-4);
  const Eigen::VectorXd p = m.marginal_cost * 1.3;
  CHECK(series_bins(m, p) == 2);  // one per country
  const Eigen::VectorXd ration = Eigen::VectorXd::Ones(m.n_products());
  check_same_terms(pass(*logit("series"), m, p, &ration), pass(*logit("direct"), m, p, &ration), true);
}

TEST_CASE("countries without buyers or without anything to buy are handled by the series pass",
          "[demand][logit][series]") {
  MarketData m = test::random_market(800, 12, 3, 4, 43);
  for (int i = 0; i < m.n_buyers(); ++i) m.buyer_country[i] = i % 3;  // country 3 has no buyers
  m.available.col(2).setZero();                                         // country 2 may buy nothing
  const Eigen::VectorXd p = m.marginal_cost * 1.7;
  series_bins(m, p);
  const Eigen::VectorXd ration = Eigen::VectorXd::Ones(m.n_products());
  const PricingTerms s = pass(*logit("series"), m, p, &ration);
  check_same_terms(s, pass(*logit("direct"), m, p, &ration), true);
  CHECK(s.units_to.col(2).abs().maxCoeff() == 0.0);
  for (int i = 0; i < m.n_buyers(); ++i)
    if (m.buyer_country[i] == 2) CHECK(s.buyer_spend(i) == 0.0);
}

TEST_CASE("the series pass is bit-identical with 1 and 2 threads", "[demand][logit][series][determinism]") {
  MarketData m = test::random_market(30000, 20, 5, 4, 47);  // several blocks of buyers
  const Eigen::VectorXd p = m.marginal_cost * 1.6;
  series_bins(m, p);
  const Eigen::VectorXd ration = Eigen::VectorXd::Constant(m.n_products(), 0.9);
  const auto d = logit("series");
  CHECK(same_with_1_and_2_threads(*d, m, p, ration));
}

TEST_CASE("auto evaluates large markets by the series and small ones directly", "[demand][logit][series]") {
  const auto automatic = logit("auto"), series = logit("series"), direct = logit("direct");
  const Eigen::VectorXd* none = nullptr;
  MarketData large = test::random_market(20000, 40, 5, 4, 53);
  const Eigen::VectorXd pl = large.marginal_cost * 1.5;
  CHECK(same_bits(pass(*automatic, large, pl, none), pass(*series, large, pl, none)));
  CHECK_FALSE(same_bits(pass(*automatic, large, pl, none), pass(*direct, large, pl, none)));
  MarketData small = test::random_market(12, 6, 3, 2, 59);
  const Eigen::VectorXd ps = small.marginal_cost * 1.5;
  CHECK(same_bits(pass(*automatic, small, ps, none), pass(*direct, small, ps, none)));
  // The default-built model is "auto".
  CHECK(same_bits(pass(*make_demand_model("logit"), large, pl, none), pass(*series, large, pl, none)));
}

TEST_CASE("where the expansion does not apply the series evaluation falls back to the direct pass",
          "[demand][logit][series]") {
  const auto series = logit("series"), direct = logit("direct");
  const MarketData plain = test::random_market(300, 8, 2, 2, 61);
  const Eigen::VectorXd p = plain.marginal_cost * 1.2;
  const Eigen::VectorXd ration = Eigen::VectorXd::Constant(plain.n_products(), 0.7);
  series_bins(plain, p);  // the expansion applies to the plain market
  auto falls_back = [&](const MarketData& m, const Eigen::VectorXd& price) {
    CHECK_FALSE(plan_logit_series(m, owner_grouped_rows(m, price, nullptr), kMaxSeriesBins).has_value());
    CHECK(same_bits(pass(*series, m, price, nullptr), pass(*direct, m, price, nullptr)));
    CHECK(same_bits(pass(*series, m, price, &ration), pass(*direct, m, price, &ration)));
  };
  SECTION("a millionfold spread of price sensitivities: too many bins") {
    MarketData m = plain;
    for (int i = 0; i < m.n_buyers(); ++i) m.alpha(i) = i % 2 ? 1e-7 : 1e-1;
    falls_back(m, p);
  }
  SECTION("home biases 800 utils apart: with one shift per bin a denominator could underflow") {
    MarketData m = plain;
    for (int i = 0; i < m.n_buyers(); ++i) m.home_bias(i) = i % 2 ? -400.0 : 400.0;
    falls_back(m, p);
  }
  SECTION("a product priced NaN (a diverged solver's prices)") {
    Eigen::VectorXd bad = p;
    bad(3) = std::numeric_limits<double>::quiet_NaN();
    falls_back(plain, bad);
  }
  SECTION("a destination whose utility shift is -inf (no leakage at all)") {
    MarketData m = plain;
    m.utility_shift = Eigen::ArrayXXd::Zero(m.n_products(), m.n_countries);
    int j = 0;
    while (m.available(j, 1) == 0) ++j;  // a product country 1 may buy
    m.utility_shift(j, 1) = -std::numeric_limits<double>::infinity();
    falls_back(m, p);
  }
}

TEST_CASE("the Bertrand-Nash prices are the same with either evaluation", "[demand][logit][series]") {
  MarketData m = test::random_market(6000, 18, 6, 3, 67);
  PricingOptions o;
  o.tolerance = 1e-11;
  const Eigen::VectorXd start = Eigen::VectorXd::Constant(m.n_products(), std::numeric_limits<double>::quiet_NaN());
  const Equilibrium s = solve_bertrand_nash(*logit("series"), m, start, o);
  const Equilibrium d = solve_bertrand_nash(*logit("direct"), m, start, o);
  REQUIRE(s.converged);
  REQUIRE(d.converged);
  for (int j = 0; j < m.n_products(); ++j) CHECK(s.price(j) == Approx(d.price(j)).epsilon(1e-9));
  // Prices at least marginal cost (net of fees where licensed sales are the only ones).
  for (int j = 0; j < m.n_products(); ++j) CHECK(s.price(j) >= m.marginal_cost(j));
}

TEST_CASE("an unknown logit evaluation is an error naming the key", "[demand][logit][series][errors]") {
  toml::table t{{"evaluation", "fast"}};
  TableReader r(t, "scenario.toml", "demand");
  Model world;
  REQUIRE_THROWS_WITH(make_demand_model("logit", r, world), Catch::Contains("evaluation") && Catch::Contains("fast"));
}

// The nested logit with nests "domestic" by the same expansion of exp(V / lambda).
namespace {
std::shared_ptr<const DemandModel> nested(double lambda, const std::string& nest_by, const std::string& evaluation) {
  return demand("nested_logit", toml::table{{"nest_parameter", lambda}, {"nest_by", nest_by}, {"evaluation", evaluation}});
}

int nested_series_bins(const MarketData& m, const Eigen::VectorXd& p, double lambda) {
  return series_bins(m, p, 1.0 / lambda, true);
}
}  // namespace

TEST_CASE("the nested logit's series pass equals its direct pass to rounding", "[demand][nested_logit][series]") {
  MarketData m = test::random_market(3000, 24, 5, 4, 71);  // tariffs, fees, masks, home bias
  const Eigen::VectorXd ration = Eigen::VectorXd::LinSpaced(m.n_products(), 0.5, 1.0);
  for (double lambda : {0.25, 0.7, 1.0}) {
    INFO("lambda " << lambda);
    const auto series = nested(lambda, "domestic", "series"), direct = nested(lambda, "domestic", "direct");
    for (double markup : {1.1, 2.5}) {
      INFO("markup " << markup);
      const Eigen::VectorXd p = m.marginal_cost * markup;
      CHECK(nested_series_bins(m, p, lambda) >= 4);
      check_same_terms(pass(*series, m, p, nullptr), pass(*direct, m, p, nullptr), false, 1e-11);
      check_same_terms(pass(*series, m, p, &ration), pass(*direct, m, p, &ration), true, 1e-11);
    }
  }
}

TEST_CASE("at lambda = 1 the nested logit's series pass is the logit's", "[demand][nested_logit][series]") {
  MarketData m = test::random_market(2000, 15, 4, 3, 73);
  const Eigen::VectorXd p = m.marginal_cost * 1.4;
  const Eigen::VectorXd ration = Eigen::VectorXd::Constant(m.n_products(), 0.75);
  check_same_terms(pass(*nested(1.0, "domestic", "series"), m, p, &ration), pass(*logit("series"), m, p, &ration), true);
}

TEST_CASE("the nested logit's series pass: a country with nothing at home, strong nesting, wide alpha spread",
          "[demand][nested_logit][series]") {
  MarketData m = test::random_market(5000, 16, 4, 3, 79);
  for (int i = 0; i < m.n_buyers(); ++i) {
    m.alpha(i) = 1e-6 * std::pow(300.0, static_cast<double>(i % 89) / 88.0);  // 1e-6 .. 3e-4 per USD
    m.home_bias(i) = -10.0 + 20.0 * static_cast<double>(i % 11) / 10.0;
  }
  for (int j = 0; j < m.n_products(); ++j)
    if (m.product_origin[j] == 2) m.product_origin[j] = 1;  // country 2 makes nothing: an empty home nest
  const Eigen::VectorXd p = m.marginal_cost * 1.6;
  const double lambda = 0.15;
  CHECK(nested_series_bins(m, p, lambda) > 50);
  const Eigen::VectorXd ration = Eigen::VectorXd::Constant(m.n_products(), 0.9);
  check_same_terms(pass(*nested(lambda, "domestic", "series"), m, p, &ration),
                   pass(*nested(lambda, "domestic", "direct"), m, p, &ration), true, 1e-11);
}

TEST_CASE("the nested logit's series pass is bit-identical with 1 and 2 threads", "[demand][nested_logit][series][determinism]") {
  MarketData m = test::random_market(30000, 20, 5, 4, 83);
  const Eigen::VectorXd p = m.marginal_cost * 1.6;
  nested_series_bins(m, p, 0.6);
  const Eigen::VectorXd ration = Eigen::VectorXd::Constant(m.n_products(), 0.9);
  const auto d = nested(0.6, "domestic", "series");
  CHECK(same_with_1_and_2_threads(*d, m, p, ration));
}

TEST_CASE("the nested logit evaluates by the series only where it applies", "[demand][nested_logit][series]") {
  MarketData large = test::random_market(20000, 40, 5, 4, 89);
  const Eigen::VectorXd p = large.marginal_cost * 1.5;
  const Eigen::VectorXd* none = nullptr;
  // Default ("auto", nest_by = "domestic"): the series at this size.
  CHECK(same_bits(pass(*make_demand_model("nested_logit"), large, p, none), pass(*nested(0.7, "domestic", "series"), large, p, none)));
  CHECK_FALSE(same_bits(pass(*nested(0.7, "domestic", "auto"), large, p, none), pass(*nested(0.7, "domestic", "direct"), large, p, none)));
  // Other nestings: always direct.
  CHECK(same_bits(pass(*nested(0.7, "owner", "auto"), large, p, none), pass(*nested(0.7, "owner", "direct"), large, p, none)));
  toml::table t{{"nest_by", "owner"}, {"evaluation", "series"}};
  TableReader r(t, "scenario.toml", "demand");
  Model world;
  REQUIRE_THROWS_WITH(make_demand_model("nested_logit", r, world), Catch::Contains("evaluation") && Catch::Contains("domestic"));
}

TEST_CASE("the nested logit's Bertrand-Nash prices are the same with either evaluation", "[demand][nested_logit][series]") {
  MarketData m = test::random_market(6000, 18, 6, 3, 97);
  PricingOptions o;
  o.tolerance = 1e-11;
  const Eigen::VectorXd start = Eigen::VectorXd::Constant(m.n_products(), std::numeric_limits<double>::quiet_NaN());
  const Equilibrium s = solve_bertrand_nash(*nested(0.5, "domestic", "series"), m, start, o);
  const Equilibrium d = solve_bertrand_nash(*nested(0.5, "domestic", "direct"), m, start, o);
  REQUIRE(s.converged);
  REQUIRE(d.converged);
  nested_series_bins(m, s.price, 0.5);  // the expansion applied at the equilibrium prices
  for (int j = 0; j < m.n_products(); ++j) CHECK(s.price(j) == Approx(d.price(j)).epsilon(1e-9));
}

TEST_CASE("the nested logit's series pass stays finite and exact when a nest lies far below the other",
          "[demand][nested_logit][series]") {
  // With one shift for both nests, D^(lambda - 2) of the lower nest overflowed at small lambda;
  // each nest now has its own shift.
  MarketData m = test::random_market(3000, 20, 4, 2, 101);
  const Eigen::VectorXd ration = Eigen::VectorXd::Constant(m.n_products(), 0.8);
  SECTION("one nest 40 utils worse than the other, lambda 0.05") {
    // Products made in country 0 are 40 utils worse: its buyers' home nest, and country 1's
    // other nest, lie far below.
    for (int j = 0; j < m.n_products(); ++j) {
      m.product_origin[j] = j % 2;
      if (j % 2 == 0) m.mean_utility(j) -= 40.0;
    }
    const Eigen::VectorXd p = m.marginal_cost * 1.3;
    nested_series_bins(m, p, 0.05);
    check_same_terms(pass(*nested(0.05, "domestic", "series"), m, p, &ration),
                     pass(*nested(0.05, "domestic", "direct"), m, p, &ration), true, 1e-10);
  }
  SECTION("everything far worse than not buying, lambda 0.1") {
    m.mean_utility.array() -= 30.0;
    const Eigen::VectorXd p = m.marginal_cost * 1.3;
    nested_series_bins(m, p, 0.1);
    check_same_terms(pass(*nested(0.1, "domestic", "series"), m, p, &ration),
                     pass(*nested(0.1, "domestic", "direct"), m, p, &ration), true, 1e-10);
  }
  SECTION("home biases 400 utils apart (the logit's expansion would not apply), lambda 0.5") {
    for (int i = 0; i < m.n_buyers(); ++i) m.home_bias(i) = i % 2 ? -200.0 : 200.0;
    const Eigen::VectorXd p = m.marginal_cost * 1.3;
    nested_series_bins(m, p, 0.5);
    check_same_terms(pass(*nested(0.5, "domestic", "series"), m, p, &ration),
                     pass(*nested(0.5, "domestic", "direct"), m, p, &ration), true, 1e-11);
  }
  SECTION("one country: the nest of products made elsewhere is empty") {
    MarketData one = test::random_market(2000, 12, 3, 1, 103);
    const Eigen::VectorXd p = one.marginal_cost * 1.5;
    nested_series_bins(one, p, 0.4);
    const Eigen::VectorXd r1 = Eigen::VectorXd::Constant(one.n_products(), 0.8);
    check_same_terms(pass(*nested(0.4, "domestic", "series"), one, p, &r1),
                     pass(*nested(0.4, "domestic", "direct"), one, p, &r1), true, 1e-11);
  }
}

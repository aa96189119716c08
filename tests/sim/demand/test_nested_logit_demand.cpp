#include <catch2/catch.hpp>

#include <tbb/global_control.h>
#include <toml++/toml.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "sim/markets/bertrand_nash.hpp"
#include "sim/demand/demand_model.hpp"
#include "sim/core/model.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/scenario/table_reader.hpp"
#include "support/demand_models.hpp"
#include "support/worlds.hpp"

using namespace chipsim;

namespace {
std::shared_ptr<const DemandModel> nested() {
  auto d = make_demand_model("nested_logit");
  REQUIRE(d);
  return d;
}

std::shared_ptr<const DemandModel> nested(double lambda, const std::string& nest_by) { return test::nested_logit(lambda, nest_by); }

Eigen::VectorXd totals(const Eigen::ArrayXXd& q) { return q.colwise().sum().transpose().matrix(); }
}  // namespace

TEST_CASE("nested logit: inside shares below one, masked products get exactly zero", "[demand][nested_logit]") {
  MarketData m = test::random_market(300, 12, 4, 3, 5);
  m.capacity(0) = 0;  // not offered anywhere
  const Eigen::VectorXd p = m.marginal_cost * 2.0;
  for (const char* by : {"domestic", "owner", "origin"}) {
    INFO("nest_by = " << by);
    auto d = nested(0.6, by);
    const auto q = d->quantities(m, p);
    for (int i = 0; i < m.n_buyers(); ++i) {
      double inside = 0;
      for (int j = 0; j < m.n_products(); ++j) inside += q(i, j) / (m.market_size(i) * m.units_per_choice(j));
      CHECK(inside > 0);
      CHECK(inside < 1);
      CHECK(q(i, 0) == 0.0);
      for (int j = 0; j < m.n_products(); ++j)
        if (m.available(j, m.buyer_country[i]) == 0) CHECK(q(i, j) == 0.0);
    }
    // The price of a product masked in a country does not move that country's demand at all.
    int masked = -1, country = -1;
    for (int j = 1; j < m.n_products() && masked < 0; ++j)
      for (int c = 0; c < m.n_countries && masked < 0; ++c)
        if (m.available(j, c) == 0) masked = j, country = c;
    REQUIRE(masked >= 0);
    Eigen::VectorXd moved = p;
    moved(masked) *= 1.3;
    const auto q2 = d->quantities(m, moved);
    for (int i = 0; i < m.n_buyers(); ++i)
      if (m.buyer_country[i] == country)
        for (int j = 0; j < m.n_products(); ++j) CHECK(q2(i, j) == q(i, j));
  }
}

TEST_CASE("nested logit with nest_parameter = 1 is the logit", "[demand][nested_logit]") {
  MarketData m = test::random_market(200, 10, 3, 3, 31);
  const Eigen::VectorXd p = m.marginal_cost * 1.7;
  auto logit = make_demand_model("logit");
  REQUIRE(logit);
  const auto expected = logit->quantities(m, p);
  const Eigen::MatrixXd expected_J = logit->price_jacobian(m, p);
  for (const char* by : {"domestic", "owner", "origin"}) {
    INFO("nest_by = " << by);
    auto d = nested(1.0, by);
    const auto q = d->quantities(m, p);
    for (int i = 0; i < m.n_buyers(); ++i)
      for (int j = 0; j < m.n_products(); ++j) CHECK(q(i, j) == Approx(expected(i, j)).epsilon(1e-12));
    const Eigen::MatrixXd J = d->price_jacobian(m, p);
    for (int j = 0; j < m.n_products(); ++j)
      for (int k = 0; k < m.n_products(); ++k) CHECK(J(j, k) == Approx(expected_J(j, k)).epsilon(1e-10).margin(1e-14));
  }
}

TEST_CASE("nested logit: the analytic price Jacobian matches central finite differences", "[demand][nested_logit]") {
  MarketData m = test::random_market(200, 10, 3, 3, 17);  // tariffs, fees, masks, home bias
  const Eigen::VectorXd p = m.marginal_cost * 1.8;
  std::vector<std::shared_ptr<const DemandModel>> models;
  models.push_back(nested());  // defaults: lambda = 0.7, domestic/foreign nests
  models.push_back(nested(0.5, "owner"));
  models.push_back(nested(0.4, "origin"));
  for (const auto& d : models) {
    const Eigen::MatrixXd J = d->price_jacobian(m, p);
    for (int k = 0; k < m.n_products(); ++k) {
      const double h = 1e-4 * p(k);
      Eigen::VectorXd up = p, down = p;
      up(k) += h;
      down(k) -= h;
      const Eigen::VectorXd fd = (totals(d->quantities(m, up)) - totals(d->quantities(m, down))) / (2 * h);
      for (int j = 0; j < m.n_products(); ++j) CHECK(J(j, k) == Approx(fd(j)).epsilon(1e-5).margin(1e-9));
    }
  }
}

TEST_CASE("nested logit: the fused pricing pass agrees with the Jacobian and the quantities", "[demand][nested_logit]") {
  for (const char* by : {"domestic", "owner", "origin"}) {
    INFO("nest_by = " << by);
    MarketData m = test::random_market(700, 9, 3, 3, 23);
    const Eigen::VectorXd p = m.marginal_cost * 1.5;
    auto d = nested(0.6, by);
    PricingTerms t;
    d->pricing_pass(m, p, nullptr, t);
    const Eigen::VectorXd Q = totals(d->quantities(m, p));
    const Eigen::MatrixXd J = d->price_jacobian(m, p);
    for (int j = 0; j < m.n_products(); ++j) {
      CHECK(t.quantity(j) == Approx(Q(j)).epsilon(1e-12));
      CHECK(t.own_derivative(j) == Approx(J(j, j)).epsilon(1e-11));
    }
    // Without licence fees: c_j slope_j + foc_rest_j - p_j slope_net_j
    //   == Q_j + sum_{k owned by the same firm} (p_k - c_k) dQ_k/dp_j.
    m.licence_fee.setZero();
    d->pricing_pass(m, p, nullptr, t);
    for (int j = 0; j < m.n_products(); ++j) {
      double foc = Q(j);
      for (int k = 0; k < m.n_products(); ++k)
        if (m.product_owner[k] == m.product_owner[j]) foc += (p(k) - m.marginal_cost(k)) * J(k, j);
      const double from_pass = m.marginal_cost(j) * t.slope(j) + t.foc_rest(j) - p(j) * t.slope_net(j);
      CHECK(from_pass == Approx(foc).epsilon(1e-9).margin(1e-9 * Q(j)));
    }
  }
}

TEST_CASE("nested logit: the pricing pass is bit-identical with 1 and 2 threads", "[demand][nested_logit][determinism]") {
  MarketData m = test::random_market(5000, 20, 5, 4, 99);  // many blocks of buyers
  const Eigen::VectorXd p = m.marginal_cost * 1.6;
  const Eigen::VectorXd ration = Eigen::VectorXd::Constant(m.n_products(), 0.9);
  auto d = nested();
  PricingTerms one, two;
  {
    tbb::global_control c(tbb::global_control::max_allowed_parallelism, 1);
    d->pricing_pass(m, p, &ration, one);
  }
  {
    tbb::global_control c(tbb::global_control::max_allowed_parallelism, 2);
    d->pricing_pass(m, p, &ration, two);
  }
  auto same = [](const auto& a, const auto& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), sizeof(double) * a.size()) == 0;
  };
  CHECK(same(one.quantity, two.quantity));
  CHECK(same(one.slope, two.slope));
  CHECK(same(one.slope_net, two.slope_net));
  CHECK(same(one.foc_rest, two.foc_rest));
  CHECK(same(one.own_derivative, two.own_derivative));
  CHECK(same(one.units_to, two.units_to));
  CHECK(same(one.buyer_spend, two.buyer_spend));
  CHECK(same(one.buyer_compute, two.buyer_compute));
}

TEST_CASE("nested logit: Bertrand-Nash converges to prices that satisfy the first-order conditions", "[demand][nested_logit][pricing]") {
  MarketData m = test::random_market(400, 8, 3, 3, 41);
  auto d = nested(0.5, "owner");
  const Equilibrium eq = solve_bertrand_nash(*d, m, m.marginal_cost * 1.5, PricingOptions{});
  REQUIRE(eq.converged);
  for (int j = 0; j < m.n_products(); ++j) {
    if (!(eq.terms.slope_net(j) > 0)) continue;
    CHECK(eq.price(j) > m.marginal_cost(j));
    const double foc = m.marginal_cost(j) * eq.terms.slope(j) + eq.terms.foc_rest(j) - eq.price(j) * eq.terms.slope_net(j);
    CHECK(std::abs(foc) <= 1e-6 * eq.price(j) * eq.terms.slope_net(j));
  }
}

TEST_CASE("nested logit: bad nest_by is reported where it is written", "[demand][nested_logit][errors]") {
  const std::string t = test::tiny_scenario("\n[demand]\nmodel = \"nested_logit\"\nnest_by = \"brand\"\n");
  try {
    load_scenario_text(t, "bad.toml");
    FAIL("the scenario loaded without error");
  } catch (const ScenarioError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("demand.nest_by") && Catch::Contains("\"brand\""));
  }
  // And a good one loads.
  const Model ok = load_scenario_text(
      test::tiny_scenario("\n[demand]\nmodel = \"nested_logit\"\nnest_parameter = 0.5\nnest_by = \"origin\"\n"), "ok.toml");
  REQUIRE(ok.demand);
  CHECK(ok.demand->name() == "nested_logit");
}

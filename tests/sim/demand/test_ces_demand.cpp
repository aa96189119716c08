#include <catch2/catch.hpp>

#include <tbb/global_control.h>

#include <cstring>
#include <memory>
#include <string>

#include "sim/markets/bertrand_nash.hpp"
#include "sim/demand/demand_model.hpp"
#include "sim/core/model.hpp"
#include "sim/scenario/scenario.hpp"
#include "support/scenario_edit.hpp"
#include "support/worlds.hpp"

using namespace chipsim;

namespace {
std::shared_ptr<const DemandModel> ces() {
  auto d = make_demand_model("constant_elasticity");
  REQUIRE(d);
  return d;
}

Eigen::VectorXd totals(const Eigen::ArrayXXd& q) { return q.colwise().sum().transpose().matrix(); }

using test::error_of;
}  // namespace

TEST_CASE("CES: at the reference prices (2 x cost) the quantities are the logit's", "[demand][ces]") {
  MarketData m = test::random_market(300, 12, 4, 3, 5, false);  // no tariffs
  const Eigen::VectorXd p = m.marginal_cost * 2.0;
  auto logit = make_demand_model("logit");
  REQUIRE(logit);
  const auto expected = logit->quantities(m, p);
  const auto q = ces()->quantities(m, p);
  for (int i = 0; i < m.n_buyers(); ++i)
    for (int j = 0; j < m.n_products(); ++j) CHECK(q(i, j) == Approx(expected(i, j)).epsilon(1e-12));
  // Away from the reference prices the two differ.
  const Eigen::VectorXd higher = m.marginal_cost * 2.4;
  CHECK(ces()->quantities(m, higher)(0, 0) != Approx(logit->quantities(m, higher)(0, 0)).epsilon(1e-6));
}

TEST_CASE("CES: masked products get exactly zero and their prices do not matter", "[demand][ces]") {
  MarketData m = test::random_market(300, 12, 4, 3, 5);
  m.capacity(0) = 0;  // not offered anywhere
  const Eigen::VectorXd p = m.marginal_cost * 1.7;
  auto d = ces();
  const auto q = d->quantities(m, p);
  for (int i = 0; i < m.n_buyers(); ++i) {
    CHECK(q(i, 0) == 0.0);
    for (int j = 1; j < m.n_products(); ++j) {
      if (m.available(j, m.buyer_country[i]) == 0) {
        CHECK(q(i, j) == 0.0);
      } else {
        CHECK(q(i, j) > 0.0);
      }
    }
  }
  int masked = -1, country = -1;
  for (int j = 1; j < m.n_products() && masked < 0; ++j)
    for (int c = 0; c < m.n_countries && masked < 0; ++c)
      if (m.available(j, c) == 0) masked = j, country = c;
  REQUIRE(masked >= 0);
  Eigen::VectorXd moved = p;
  moved(masked) *= 1.3;
  moved(0) *= 0.5;
  const auto q2 = d->quantities(m, moved);
  for (int i = 0; i < m.n_buyers(); ++i)
    if (m.buyer_country[i] == country)
      for (int j = 0; j < m.n_products(); ++j) CHECK(q2(i, j) == q(i, j));
}

TEST_CASE("CES: the own-price elasticity of one buyer's demand is own_elasticity", "[demand][ces]") {
  MarketData m = test::random_market(1, 4, 2, 1, 3, false);
  const Eigen::VectorXd p = m.marginal_cost * 1.7;
  auto d = ces();
  const Eigen::VectorXd Q = totals(d->quantities(m, p));
  const Eigen::MatrixXd J = d->price_jacobian(m, p);
  for (int j = 0; j < 4; ++j)
    for (int k = 0; k < 4; ++k)
      CHECK(J(j, k) * p(k) / Q(j) == Approx(j == k ? -3.0 : 0.1).epsilon(1e-12));
}

TEST_CASE("CES: the analytic price Jacobian matches central finite differences", "[demand][ces]") {
  MarketData m = test::random_market(200, 10, 3, 3, 17);  // tariffs, fees, masks, home bias
  const Eigen::VectorXd p = m.marginal_cost * 1.8;
  auto d = ces();
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

TEST_CASE("CES: the fused pricing pass agrees with the Jacobian and the quantities", "[demand][ces]") {
  MarketData m = test::random_market(700, 9, 3, 3, 23);
  const Eigen::VectorXd p = m.marginal_cost * 1.5;
  auto d = ces();
  PricingTerms t;
  d->pricing_pass(m, p, nullptr, t);
  const Eigen::VectorXd Q = totals(d->quantities(m, p));
  const Eigen::MatrixXd J = d->price_jacobian(m, p);
  for (int j = 0; j < m.n_products(); ++j) {
    CHECK(t.quantity(j) == Approx(Q(j)).epsilon(1e-12));
    CHECK(t.own_derivative(j) == Approx(J(j, j)).epsilon(1e-12));
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

TEST_CASE("CES: the pricing pass is bit-identical with 1 and 2 threads", "[demand][ces][determinism]") {
  MarketData m = test::random_market(5000, 20, 5, 4, 99);  // many blocks of buyers
  const Eigen::VectorXd p = m.marginal_cost * 1.6;
  const Eigen::VectorXd ration = Eigen::VectorXd::Constant(m.n_products(), 0.9);
  auto d = ces();
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
  CHECK(same(one.slope_net, two.slope_net));
  CHECK(same(one.foc_rest, two.foc_rest));
  CHECK(same(one.units_to, two.units_to));
  CHECK(same(one.buyer_spend, two.buyer_spend));
  CHECK(same(one.buyer_compute, two.buyer_compute));
}

TEST_CASE("CES: single-product firms price at the markup rule c E / (1 + E)", "[demand][ces][pricing]") {
  MarketData m = test::random_market(50, 4, 4, 2, 7, false);  // one product per firm, no fees
  const Equilibrium eq = solve_bertrand_nash(*ces(), m, m.marginal_cost * 1.2, PricingOptions{});
  REQUIRE(eq.converged);
  for (int j = 0; j < m.n_products(); ++j) CHECK(eq.price(j) == Approx(1.5 * m.marginal_cost(j)).epsilon(1e-7));
}

TEST_CASE("CES: [[demand.elasticity]] overrides name products of the world", "[demand][ces][errors]") {
  const std::string demand = "\n[demand]\nmodel = \"constant_elasticity\"\nown_elasticity = -2.5\n"
                             "[[demand.elasticity]]\nproduct = \"Small\"\nwith = \"Ascend\"\nvalue = 0.8\n";
  const Model world = load_scenario_text(test::tiny_scenario(demand), "ok.toml");
  REQUIRE(world.demand);
  REQUIRE(world.n_products() == 3);
  const int small = *world.product_index("Small"), ascend = *world.product_index("Ascend");
  MarketData m = test::random_market(1, 3, 2, 1, 3, false);
  const Eigen::VectorXd p = m.marginal_cost * 1.7;
  const Eigen::VectorXd Q = totals(world.demand->quantities(m, p));
  const Eigen::MatrixXd J = world.demand->price_jacobian(m, p);
  for (int j = 0; j < 3; ++j)
    for (int k = 0; k < 3; ++k) {
      const double expected = j == k ? -2.5 : (j == small && k == ascend ? 0.8 : 0.1);
      CHECK(J(j, k) * p(k) / Q(j) == Approx(expected).epsilon(1e-12));
    }
  CHECK_THAT(error_of(test::tiny_scenario(demand + "[[demand.elasticity]]\nproduct = \"Huge\"\nwith = \"Big\"\nvalue = 0.1\n")),
             Catch::Contains("demand.elasticity[1].product: unknown product \"Huge\""));
  CHECK_THAT(error_of(test::tiny_scenario(demand + "[[demand.elasticity]]\nproduct = \"Big\"\nwith = \"Big\"\nvalue = 0.5\n")),
             Catch::Contains("demand.elasticity[1].value"));
  CHECK_THAT(error_of(test::tiny_scenario(demand + "[[demand.elasticity]]\nproduct = \"Big\"\nwith = \"Big\"\nvalue = -2\ncolour = 1\n")),
             Catch::Contains("colour: unknown key"));
}

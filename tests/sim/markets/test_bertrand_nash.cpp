#include <catch2/catch.hpp>

#include <cmath>

#include "sim/markets/bertrand_nash.hpp"
#include "support/worlds.hpp"

using namespace chipsim;

namespace {
const DemandModel& logit() {
  static auto d = make_demand_model("logit");
  return *d;
}
Eigen::VectorXd nan_prices(int n) { return Eigen::VectorXd::Constant(n, std::nan("")); }
}  // namespace

TEST_CASE("single-product monopoly: markup = 1 / (alpha (1 - s))", "[pricing]") {
  MarketData m = test::random_market(1, 1, 1, 1, 4, false);
  const Equilibrium eq = solve_bertrand_nash(logit(), m, nan_prices(1), {1e-13, 10000});
  REQUIRE(eq.converged);
  const double s = eq.terms.quantity(0) / m.market_size(0);
  CHECK(eq.price(0) - m.marginal_cost(0) == Approx(1.0 / (m.alpha(0) * (1 - s))).epsilon(1e-8));
}

TEST_CASE("a licence fee f gives (1-f) p - c = (1-f) / (alpha (1 - s))", "[pricing]") {
  MarketData m = test::random_market(1, 1, 1, 1, 6, false);
  m.licence_fee(0, 0) = 0.25;
  const Equilibrium eq = solve_bertrand_nash(logit(), m, nan_prices(1), {1e-13, 10000});
  REQUIRE(eq.converged);
  const double s = eq.terms.quantity(0) / m.market_size(0);
  CHECK(0.75 * eq.price(0) - m.marginal_cost(0) == Approx(0.75 / (m.alpha(0) * (1 - s))).epsilon(1e-8));
}

TEST_CASE("multi-product Bertrand-Nash satisfies every firm's first-order conditions", "[pricing]") {
  MarketData m = test::random_market(400, 12, 4, 3, 31);
  m.licence_fee.setZero();  // the Jacobian check below is for fee-free FOCs
  const Equilibrium eq = solve_bertrand_nash(logit(), m, nan_prices(m.n_products()), {1e-12, 10000});
  REQUIRE(eq.converged);
  const Eigen::MatrixXd J = logit().price_jacobian(m, eq.price);
  const Eigen::VectorXd Q = logit().quantities(m, eq.price).colwise().sum().transpose().matrix();
  for (int j = 0; j < m.n_products(); ++j) {
    double foc = Q(j);
    for (int k = 0; k < m.n_products(); ++k)
      if (m.product_owner[k] == m.product_owner[j]) foc += (eq.price(k) - m.marginal_cost(k)) * J(k, j);
    CHECK(std::abs(foc) < 1e-6 * std::max(1.0, Q(j)));
  }
}

TEST_CASE("equilibrium prices are never below marginal cost", "[pricing]") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    MarketData m = test::random_market(150, 8, 3, 3, seed);
    const Equilibrium eq = solve_bertrand_nash(logit(), m, nan_prices(m.n_products()), {1e-11, 10000});
    CHECK(eq.converged);
    for (int j = 0; j < m.n_products(); ++j) CHECK(eq.price(j) > m.marginal_cost(j));
  }
}

TEST_CASE("binding capacity: the price rises until demand equals capacity", "[pricing][capacity]") {
  MarketData m = test::random_market(300, 6, 3, 2, 8, false);
  const Equilibrium free = solve_bertrand_nash(logit(), m, nan_prices(6), {1e-12, 10000});
  REQUIRE(free.converged);
  const int j = 2;
  m.capacity(j) = 0.5 * free.terms.quantity(j);
  const Equilibrium tight = solve_bertrand_nash(logit(), m, free.price, {1e-12, 10000});
  REQUIRE(tight.converged);
  CHECK(tight.price(j) > free.price(j));
  CHECK(tight.terms.units_to.row(j).sum() == Approx(m.capacity(j)).epsilon(1e-8));
  CHECK(tight.terms.units_to.row(j).sum() <= m.capacity(j) * (1 + 1e-12));
  // Products without a capacity problem stay on their first-order conditions: their demand is
  // below capacity and each is priced above cost.
  for (int k = 0; k < 6; ++k) {
    CHECK(tight.terms.units_to.row(k).sum() <= m.capacity(k) * (1 + 1e-12));
    CHECK(tight.price(k) > m.marginal_cost(k));
  }
}

TEST_CASE("a product nobody may buy sells nothing and does not disturb the others", "[pricing]") {
  MarketData m = test::random_market(100, 5, 2, 2, 12, false);
  m.available.row(4).setZero();
  const Equilibrium eq = solve_bertrand_nash(logit(), m, nan_prices(5), {1e-12, 10000});
  REQUIRE(eq.converged);
  CHECK(eq.terms.units_to.row(4).sum() == 0.0);
}

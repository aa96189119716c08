#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <iterator>
#include <vector>

#include "sim/markets/bertrand_nash.hpp"
#include "support/demand_models.hpp"
#include "support/worlds.hpp"

using namespace chipsim;

namespace {
using test::logit;
using test::nan_prices;
using test::firm_profit;
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

namespace {
// A world where capacity binds on one product of a multi-product firm: the product's ceiling
// is `tightness` times its demand at the equilibrium without ceilings.
MarketData bound_world(std::uint64_t seed, double tightness, int* bound) {
  MarketData m = test::random_market(200, 6, 2, 2, seed);  // firms own products {0,2,4} and {1,3,5}
  const Equilibrium free = solve_bertrand_nash(logit(), m, nan_prices(6), {1e-13, 10000});
  REQUIRE(free.converged);
  *bound = static_cast<int>(seed % 6);
  m.capacity(*bound) = tightness * free.terms.quantity(*bound);
  return m;
}
}  // namespace

TEST_CASE("capacity on one product of a multi-product firm: the KKT prices of the shared case",
          "[pricing][capacity]") {
  // tests/sim/markets/cases/capacity_multiproduct.toml, prices computed independently (header).
  std::ifstream in(std::string(CHIPSIM_SOURCE_DIR) + "/tests/sim/markets/cases/capacity_multiproduct.toml");
  REQUIRE(in);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const test::Run r = test::run(text, 1, "capacity_multiproduct.toml");
  const int a1 = *r.model.product_index("A1"), a2 = *r.model.product_index("A2"), b1 = *r.model.product_index("B1");
  CHECK(r.state.price_usd(a1) == Approx(9044.651540605).epsilon(1e-6));
  CHECK(r.state.price_usd(a2) == Approx(6899.384090008).epsilon(1e-6));
  CHECK(r.state.price_usd(b1) == Approx(6707.065500715).epsilon(1e-6));
  CHECK(r.state.units_sold(a1) == Approx(5000).epsilon(1e-6));
  CHECK(r.state.units_sold(a2) == Approx(9516.41448005).epsilon(1e-6));
  CHECK(r.state.units_sold(b1) == Approx(10081.6175843).epsilon(1e-6));
  CHECK(r.state.capacity_shadow_cost(a1) == Approx(2145.26745).epsilon(1e-6));
  CHECK(r.state.capacity_shadow_cost(a2) == 0.0);
  CHECK(r.state.capacity_shadow_cost(b1) == 0.0);
}

TEST_CASE("KKT conditions: mu >= 0, Q <= K, mu (K - Q) = 0, and the FOCs hold with costs c + mu",
          "[pricing][capacity]") {
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    int bound = 0;
    MarketData m = bound_world(seed, 0.5, &bound);
    m.licence_fee.setZero();  // the Jacobian check below is for fee-free FOCs
    const Equilibrium eq = solve_bertrand_nash(logit(), m, nan_prices(6), {1e-13, 10000});
    REQUIRE(eq.converged);
    const Eigen::MatrixXd J = logit().price_jacobian(m, eq.price);
    const Eigen::VectorXd Q = logit().quantities(m, eq.price).colwise().sum().transpose().matrix();
    CHECK(eq.shadow_cost(bound) > 0);
    for (int j = 0; j < 6; ++j) {
      CHECK(eq.shadow_cost(j) >= 0);
      CHECK(Q(j) <= m.capacity(j) * (1 + 1e-9));
      CHECK(eq.shadow_cost(j) * (m.capacity(j) - Q(j)) <= 1e-7 * eq.price(j) * Q(j));
      double foc = Q(j);
      for (int k = 0; k < 6; ++k)
        if (m.product_owner[k] == m.product_owner[j]) foc += (eq.price(k) - m.marginal_cost(k) - eq.shadow_cost(k)) * J(k, j);
      CHECK(std::abs(foc) < 1e-6 * std::max(1.0, Q(j)));
    }
  }
}

TEST_CASE("no firm gains from a unilateral price change when capacity binds on a multi-product firm",
          "[pricing][capacity][equilibrium]") {
  const double steps[] = {-0.02, -0.005, -0.001, 0.001, 0.005, 0.02};
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    for (double tightness : {0.3, 0.7}) {
      int bound = 0;
      const MarketData m = bound_world(seed, tightness, &bound);
      const Equilibrium eq = solve_bertrand_nash(logit(), m, nan_prices(6), {1e-13, 10000});
      REQUIRE(eq.converged);
      for (int f = 0; f < 2; ++f) {
        const double base = firm_profit(m, eq.price, f);
        std::vector<int> own;
        for (int j = 0; j < 6; ++j)
          if (m.product_owner[j] == f) own.push_back(j);
        // Every product alone, every pair together (same and opposite directions), all together.
        std::vector<std::vector<std::pair<int, double>>> moves;
        for (double d : steps) {
          std::vector<std::pair<int, double>> all;
          for (int a : own) {
            moves.push_back({{a, d}});
            all.push_back({a, d});
            for (int b : own)
              if (b > a) {
                moves.push_back({{a, d}, {b, d}});
                moves.push_back({{a, d}, {b, -d}});
              }
          }
          moves.push_back(all);
        }
        for (const auto& move : moves) {
          Eigen::VectorXd p = eq.price;
          for (const auto& [j, d] : move) p(j) *= 1 + d;
          INFO("seed " << seed << ", tightness " << tightness << ", firm " << f << ", bound product " << bound);
          CHECK(firm_profit(m, p, f) <= base * (1 + 1e-10));
        }
      }
    }
  }
}

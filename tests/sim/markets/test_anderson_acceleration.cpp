#include <catch2/catch.hpp>

#include <Eigen/Dense>
#include <cmath>
#include <limits>

#include "sim/markets/anderson_acceleration.hpp"
#include "sim/markets/bertrand_nash.hpp"
#include "support/worlds.hpp"

using namespace chipsim;

namespace {
// Iterations of x <- g(x) until |g(x) - x| < tol, with Anderson memory m (0 = plain).
template <class Map>
int iterations_to_converge(const Map& g, Eigen::VectorXd x, int memory, double tol, Eigen::VectorXd& fixed_point) {
  AndersonAcceleration acceleration(memory);
  for (int k = 1; k <= 10000; ++k) {
    const Eigen::VectorXd gx = g(x);
    if ((gx - x).lpNorm<Eigen::Infinity>() < tol) {
      fixed_point = x;
      return k;
    }
    x = acceleration.next(x, gx);
  }
  return -1;
}
}  // namespace

TEST_CASE("Anderson acceleration solves a linear contraction in dimension + 1 steps", "[pricing][anderson]") {
  // g(x) = M x + b with spectral radius 0.95: plain iteration needs hundreds of steps; Anderson
  // with memory >= n is GMRES in disguise and ends after at most n + 1 residuals (here n = 4).
  Eigen::MatrixXd M(4, 4);
  M << 0.60, 0.20, 0.05, 0.10,  //
      0.10, 0.50, 0.20, 0.10,   //
      0.05, 0.10, 0.70, 0.10,   //
      0.20, 0.05, 0.10, 0.60;
  const Eigen::VectorXd b = Eigen::Vector4d(1, -2, 3, 0.5);
  auto g = [&](const Eigen::VectorXd& x) -> Eigen::VectorXd { return M * x + b; };
  const Eigen::VectorXd exact = (Eigen::MatrixXd::Identity(4, 4) - M).lu().solve(b);
  Eigen::VectorXd plain_x, fast_x;
  const int plain = iterations_to_converge(g, Eigen::VectorXd::Zero(4), 0, 1e-10, plain_x);
  const int fast = iterations_to_converge(g, Eigen::VectorXd::Zero(4), 5, 1e-10, fast_x);
  CHECK(plain > 100);
  CHECK(fast <= 4 + 2);  // n + 1 residuals, and one more evaluation to see convergence
  CHECK((fast_x - exact).lpNorm<Eigen::Infinity>() < 1e-9);
  CHECK((plain_x - exact).lpNorm<Eigen::Infinity>() < 1e-8);
}

TEST_CASE("accelerated and plain Bertrand-Nash iterations reach the same equilibrium", "[pricing][anderson]") {
  for (std::uint64_t seed : {3u, 31u, 77u}) {
    MarketData m = test::random_market(600, 15, 4, 3, seed);
    m.capacity(2) = 1e-3 * m.market_size.sum();  // one binding capacity: the kinked branch
    const Eigen::VectorXd start = Eigen::VectorXd::Constant(m.n_products(), std::nan(""));
    PricingOptions plain{1e-12, 20000, 0}, fast{1e-12, 20000, 5};
    const Equilibrium a = solve_bertrand_nash(*make_demand_model("logit"), m, start, plain);
    const Equilibrium b = solve_bertrand_nash(*make_demand_model("logit"), m, start, fast);
    REQUIRE(a.converged);
    REQUIRE(b.converged);
    CHECK(b.iterations < a.iterations);
    for (int j = 0; j < m.n_products(); ++j) CHECK(b.price(j) == Approx(a.price(j)).epsilon(1e-9));
  }
}

TEST_CASE("a solve stopped at its cap answers with the best prices it evaluated", "[pricing][anderson]") {
  MarketData m = test::random_market(400, 12, 4, 3, 41);
  m.capacity(3) = 1e-3 * m.market_size.sum();
  const auto logit = make_demand_model("logit");
  const Eigen::VectorXd start = Eigen::VectorXd::Constant(m.n_products(), std::nan(""));
  double previous = std::numeric_limits<double>::infinity();
  for (int cap = 1; cap <= 12; ++cap) {
    const Equilibrium eq = solve_bertrand_nash(*logit, m, start, {1e-14, cap, 5});
    // The same trajectory, cut later, can only find a better point.
    CHECK(eq.residual <= previous);
    previous = eq.residual;
    // The residual reported is that of the prices returned: one evaluation there gives it back.
    const Equilibrium again = solve_bertrand_nash(*logit, m, eq.price, {1e-14, 1, 5}, &eq.shadow_cost);
    CHECK(again.residual == eq.residual);
    CHECK(again.terms.quantity == eq.terms.quantity);
  }
}

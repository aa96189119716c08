#include <catch2/catch.hpp>

#include <tbb/global_control.h>

#include <cmath>
#include <cstring>

#include "sim/demand/demand_model.hpp"
#include "support/worlds.hpp"

using namespace chipsim;

namespace {
std::shared_ptr<const DemandModel> logit() {
  auto d = make_demand_model("logit");
  REQUIRE(d);
  return d;
}
}  // namespace

TEST_CASE("logit shares match the closed form for one buyer", "[demand][logit]") {
  MarketData m = test::random_market(1, 3, 2, 1, 11, false);
  Eigen::VectorXd p(3);
  p << 12000, 20000, 9000;
  const auto q = logit()->quantities(m, p);
  const double a = m.alpha(0);
  Eigen::ArrayXd e(3);
  for (int j = 0; j < 3; ++j) e(j) = std::exp(m.mean_utility(j) - a * p(j));
  const double denom = 1.0 + e.sum();
  for (int j = 0; j < 3; ++j) CHECK(q(0, j) == Approx(m.market_size(0) * e(j) / denom).epsilon(1e-12));
}

TEST_CASE("shares plus the outside option sum to one and masked products get exactly zero", "[demand][logit]") {
  MarketData m = test::random_market(300, 12, 4, 3, 5);
  Eigen::VectorXd p = m.marginal_cost * 2.0;
  const auto q = logit()->quantities(m, p);
  for (int i = 0; i < m.n_buyers(); ++i) {
    const double inside = q.row(i).sum() / m.market_size(i);
    CHECK(inside > 0);
    CHECK(inside < 1);
    for (int j = 0; j < m.n_products(); ++j)
      if (m.available(j, m.buyer_country[i]) == 0) CHECK(q(i, j) == 0.0);
  }
}

TEST_CASE("logit own- and cross-price elasticities have the textbook form", "[demand][logit]") {
  // One buyer, no wedges: e_jj = -alpha p_j (1 - s_j), e_jk = alpha p_k s_k.
  MarketData m = test::random_market(1, 4, 4, 1, 3, false);
  Eigen::VectorXd p = m.marginal_cost * 1.7;
  auto d = logit();
  const auto q = d->quantities(m, p);
  const Eigen::MatrixXd J = d->price_jacobian(m, p);
  const double a = m.alpha(0), M = m.market_size(0);
  for (int j = 0; j < 4; ++j)
    for (int k = 0; k < 4; ++k) {
      const double elasticity = J(j, k) * p(k) / q(0, j);
      const double s_k = q(0, k) / M;
      const double expected = j == k ? -a * p(j) * (1 - s_k) : a * p(k) * s_k;
      CHECK(elasticity == Approx(expected).epsilon(1e-10));
    }
}

TEST_CASE("the analytic price Jacobian matches central finite differences", "[demand][logit]") {
  MarketData m = test::random_market(200, 10, 3, 3, 17);  // tariffs, fees, masks, home bias
  Eigen::VectorXd p = m.marginal_cost * 1.8;
  auto d = logit();
  const Eigen::MatrixXd J = d->price_jacobian(m, p);
  for (int k = 0; k < m.n_products(); ++k) {
    const double h = 1e-3 * p(k);
    Eigen::VectorXd up = p, down = p;
    up(k) += h;
    down(k) -= h;
    const Eigen::VectorXd fd = (d->quantities(m, up).colwise().sum() - d->quantities(m, down).colwise().sum()).transpose().matrix() / (2 * h);
    for (int j = 0; j < m.n_products(); ++j) CHECK(J(j, k) == Approx(fd(j)).epsilon(1e-5).margin(1e-12));
  }
}

TEST_CASE("the fused pricing pass agrees with the Jacobian and the quantities", "[demand][logit]") {
  MarketData m = test::random_market(700, 9, 3, 3, 23);
  Eigen::VectorXd p = m.marginal_cost * 1.5;
  auto d = logit();
  PricingTerms t;
  d->pricing_pass(m, p, nullptr, t);
  const auto q = d->quantities(m, p);
  const Eigen::MatrixXd J = d->price_jacobian(m, p);
  const Eigen::VectorXd Q = q.colwise().sum().transpose().matrix();
  for (int j = 0; j < m.n_products(); ++j) {
    CHECK(t.quantity(j) == Approx(Q(j)).epsilon(1e-12));
    CHECK(t.own_derivative(j) == Approx(J(j, j)).epsilon(1e-12));
  }
  // Without licence fees the FOC of product j computed from the pass,
  //   c_j slope_j + foc_rest_j - p_j slope_net_j,
  // must equal Q_j + sum_{k owned by the same firm} (p_k - c_k) dQ_k/dp_j from the Jacobian.
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

TEST_CASE("the pricing pass is bit-identical with 1 and 2 threads", "[demand][logit][determinism]") {
  MarketData m = test::random_market(5000, 20, 5, 4, 99);  // many blocks of buyers
  Eigen::VectorXd p = m.marginal_cost * 1.6;
  Eigen::VectorXd ration = Eigen::VectorXd::Constant(m.n_products(), 0.9);
  auto d = logit();
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
  CHECK(same(one.foc_rest, two.foc_rest));
  CHECK(same(one.slope_net, two.slope_net));
  CHECK(same(one.units_to, two.units_to));
  CHECK(same(one.buyer_spend, two.buyer_spend));
}

// Buyers' welfare (DemandModel::consumer_surplus): the log-sum over the price coefficient has the
// closed form of Small & Rosen (1981), and its change when a price rises equals the area under
// the buyers' demand curve (Roy's identity integrated numerically), for the logit and the nested
// logit with each nesting; CES, which has no log-sum, says so with NaN.
#include <catch2/catch.hpp>

#include <cmath>

#include "sim/demand/consumer_welfare.hpp"
#include "sim/demand/demand_model.hpp"
#include "sim/core/model.hpp"
#include "sim/scenario/table_reader.hpp"
#include "support/demand_models.hpp"
#include "support/worlds.hpp"

using namespace chipsim;

namespace {
std::shared_ptr<const DemandModel> model_of(const std::string& name, double lambda = 0.6, const std::string& by = "domestic") {
  if (name == "logit" || name == "constant_elasticity") {
    auto d = make_demand_model(name);
    REQUIRE(d);
    return d;
  }
  return test::nested_logit(lambda, by);
}

// What buyers pay for product j per unit of its producer price: sum_i q_ij (1 + tariff_c(i)j).
double paid_per_dollar(const DemandModel& d, const MarketData& m, const Eigen::VectorXd& p, int j) {
  const Eigen::ArrayXXd q = d.quantities(m, p);
  double s = 0;
  for (int i = 0; i < m.n_buyers(); ++i) s += q(i, j) * (1.0 + m.tariff_rate(j, m.buyer_country[static_cast<std::size_t>(i)]));
  return s;
}
}  // namespace

TEST_CASE("consumer surplus: the logit closed form for one buyer", "[demand][welfare]") {
  MarketData m = test::random_market(1, 3, 2, 1, 11, false);
  Eigen::VectorXd p(3);
  p << 12000, 20000, 9000;
  const double a = m.alpha(0);
  double sum = 1.0;
  for (int j = 0; j < 3; ++j) sum += std::exp(m.mean_utility(j) - a * p(j));
  CHECK(model_of("logit")->consumer_surplus(m, p)(0) == Approx(m.market_size(0) / a * std::log(sum)).epsilon(1e-12));
  // A nested logit with lambda = 1 is the logit.
  CHECK(model_of("nested_logit", 1.0)->consumer_surplus(m, p)(0) == Approx(m.market_size(0) / a * std::log(sum)).epsilon(1e-12));
}

TEST_CASE("consumer surplus falls by the area under demand when a price rises (Roy's identity)", "[demand][welfare]") {
  MarketData m = test::random_market(40, 8, 3, 3, 21);  // tariffs, fees, masks and utility shifts
  const Eigen::VectorXd p0 = m.marginal_cost * 1.6;
  struct Case {
    const char* name;
    double lambda;
    const char* by;
  };
  for (const Case c : {Case{"logit", 1, ""}, Case{"nested_logit", 0.6, "domestic"}, Case{"nested_logit", 0.4, "owner"},
                       Case{"nested_logit", 0.8, "origin"}}) {
    const auto d = model_of(c.name, c.lambda, c.by);
    for (int j : {0, 3, 7}) {
      // Simpson's rule over a 40 % price rise, 400 intervals.
      const double lo = p0(j), hi = 1.4 * p0(j);
      const int n = 400;
      double area = 0;
      for (int k = 0; k <= n; ++k) {
        Eigen::VectorXd p = p0;
        p(j) = lo + (hi - lo) * k / n;
        const double w = (k == 0 || k == n) ? 1 : (k % 2 ? 4 : 2);
        area += w * paid_per_dollar(*d, m, p, j);
      }
      area *= (hi - lo) / (3.0 * n);
      Eigen::VectorXd p1 = p0;
      p1(j) = hi;
      const double drop = d->consumer_surplus(m, p0).sum() - d->consumer_surplus(m, p1).sum();
      INFO(c.name << " " << c.by << ", product " << j);
      CHECK(drop > 0);
      CHECK(drop == Approx(area).epsilon(1e-7));
    }
  }
}

TEST_CASE("consumer surplus: CES has no log-sum and returns NaN", "[demand][welfare]") {
  MarketData m = test::random_market(5, 4, 2, 2, 3);
  const Eigen::VectorXd cs = model_of("constant_elasticity")->consumer_surplus(m, m.marginal_cost * 2.0);
  CHECK(cs.size() == 5);
  CHECK(std::isnan(cs(0)));
}

TEST_CASE("rationed consumer surplus: a wedge nobody is paid costs only its second-order loss", "[demand][welfare]") {
  MarketData m = test::random_market(30, 6, 3, 2, 17, false);
  m.utility_shift = Eigen::ArrayXXd::Zero(m.n_products(), m.n_countries);
  const Eigen::VectorXd p = m.marginal_cost * 1.7;
  for (const char* name : {"logit", "nested_logit"}) {
    const auto d = model_of(name);
    auto at = [&](double tau) {
      MarketData w = m;
      for (int c = 0; c < m.n_countries; ++c) w.utility_shift(2, c) = -tau;  // a wedge on product 2 everywhere
      return std::make_pair(rationed_consumer_surplus(*d, w, p).sum(), d->consumer_surplus(w, p).sum());
    };
    const double h = 1e-4;
    const auto [r0, l0] = at(0.0);
    const auto [r1, l1] = at(h);
    INFO(name);
    // Envelope: the rationed surplus is flat at tau = 0; the bare log-sum falls at the rate of
    // the money value of the decisions for product 2.
    CHECK(std::abs(r1 - r0) / h < 1e-3 * std::abs(l1 - l0) / h);
    CHECK((l0 - l1) / h > 0);
    // A large wedge: some loss, but less than the bare log-sum counts.
    const auto [r2, l2] = at(1.5);
    CHECK(r2 < r0);
    CHECK(r0 - r2 < l0 - l2);
  }
}

TEST_CASE("consumer surplus from the pricing pass: the logit's log-sum by buyer, direct and by its series expansion",
          "[demand][welfare]") {
  for (const char* evaluation : {"direct", "series"}) {
    const toml::table t{{"evaluation", evaluation}};
    TableReader r(t, "test", "demand");
    Model world;
    const auto d = make_demand_model("logit", r, world);
    r.finish();
    // Enough buyers for several blocks; wedges (tariffs, home bias, theta = 0.5) on.
    const MarketData m = test::random_market(3000, 8, 3, 3, 21, true);
    Eigen::VectorXd p = m.marginal_cost * 1.8;
    const Eigen::VectorXd rationing = Eigen::VectorXd::Ones(m.n_products());
    PricingTerms terms;
    d->pricing_pass(m, p, &rationing, terms);
    REQUIRE(terms.buyer_log_sum.size() == m.n_buyers());
    const Eigen::VectorXd direct = d->consumer_surplus(m, p);
    const Eigen::VectorXd from_pass = rationed_consumer_surplus(*d, m, p, &terms);
    INFO(evaluation);
    for (int i = 0; i < m.n_buyers(); ++i) CHECK(from_pass(i) == Approx(direct(i)).epsilon(1e-10));
  }
}

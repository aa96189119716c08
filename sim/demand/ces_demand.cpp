// Constant-elasticity (log-log) demand with a full matrix of own- and cross-price elasticities
// (docs/SPEC.md §4), registered as "constant_elasticity".
//
// Buyer i (country c) buys, of every product j it may buy,
//     q_ij = M_i n_j b_ij prod_{k available in c} (pt_ck / pref_k)^E_jk,   pt_ck = p_k (1 + tariff_ck),
// and exactly zero of masked products (not available in c, or capacity <= 0), whose prices do
// not enter the product either. Hence
//     dq_ij/dp_k = E_jk q_ij / p_k   (k available in c; 0 otherwise),
// and E_jk is the elasticity of i's demand for j with respect to the price of k, constant at all
// prices. The level b_ij is anchored on the logit: it is buyer i's logit share of j at the
// reference prices, before tariffs,
//     b_ij = exp(V0_ij) / (1 + sum_{k available in c} exp(V0_ik)),
//     V0_ij = delta_j + h_i [origin_j == c] - alpha_i n_j pref_j,
// so that without tariffs the model reproduces the logit's quantities at p = pref, and tariffs act
// only through the elasticities (pt_ck / pref_k = 1 + tariff_ck at p = pref; evaluating b_ij at
// tariff-inclusive prices as well would count a tariff twice). The reference price of a product
// is pref_k = reference_markup x marginal cost (a product with a marginal cost below 1 USD takes
// 1 USD as its cost here, so that pref_k > 0).
// Assumptions: one price per product worldwide (tariffs are wedges on top); elasticities are the
// same for every buyer and every country and do not depend on prices (no choke price: demand is
// positive at any price, there is no explicit outside option and no budget constraint); a
// Bertrand optimum exists only if own-price elasticities are below -1 (a single-product firm
// prices at c E/(1 + E), 1.5 c at the default E = -3). Parameters ([demand],
// model = "constant_elasticity"):
//     reference_markup  pref_k / marginal cost, in [1.01, 100], default 2;
//     own_elasticity    E_jj for every product, in [-50, -1.0001], default -3;
//     cross_elasticity  E_jk (j != k) for every pair, in [0, 10], default 0.1 (substitutes; a firm
//                       with n products needs own + (n - 1) cross < -1 for finite prices);
//     [[demand.elasticity]] product = "A", with = "B", value = x: E_AB = x for named products
//                       (value in [-50, 10]; with = product sets an own elasticity, which must
//                       then be <= -1.0001). Overrides of products the market does not have
//                       are ignored (the accelerator market holds the world's accelerators).
// Numerics: the price term depends on the buyer's country only and is computed once per
// country and call (O(C P^2)); the pricing pass accumulates quantities per (country, product) in
// fixed blocks of buyers and sums blocks in order (bit-identical for any number of threads).

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "sim/demand/buyer_blocks.hpp"
#include "sim/demand/demand_model.hpp"
#include "sim/demand/market_rows.hpp"
#include "sim/core/model.hpp"
#include "sim/scenario/table_reader.hpp"

namespace chipsim {
namespace {

using Row = Eigen::Array<double, 1, Eigen::Dynamic>;


struct ElasticityOverride {
  int product = 0;
  int with = 0;
  double value = 0;
};

// Per-country views of the product side (C x P, row-major so a country's row is contiguous).
struct CountryRows : MarketRows {
  RowArray level;        // prod_{k available in c} (pt_ck / pref_k)^E_jk
  Row reference_cost;    // n_j pref_j: multiplies alpha_i in the reference utility
  Eigen::MatrixXd E;     // elasticities (P x P)
};

class ConstantElasticityDemand final : public DemandModel {
 public:
  ConstantElasticityDemand(double markup, double own, double cross, std::vector<ElasticityOverride> overrides)
      : markup_(markup), own_(own), cross_(cross), overrides_(std::move(overrides)) {}
  std::string_view name() const override { return "constant_elasticity"; }

  Eigen::ArrayXXd quantities(const MarketData& m, const Eigen::VectorXd& p) const override {
    const CountryRows r = country_rows(m, p);
    Eigen::ArrayXXd q(m.n_buyers(), m.n_products());
    Row b(m.n_products());
    for (int i = 0; i < m.n_buyers(); ++i) {
      buyer_quantities(m, r, i, b);
      q.row(i) = b;
    }
    return q;
  }

  Eigen::MatrixXd price_jacobian(const MarketData& m, const Eigen::VectorXd& p) const override {
    const CountryRows r = country_rows(m, p);
    const int P = m.n_products(), C = m.n_countries;
    // Quantities by (country, product): dQ_j/dp_k = E_jk / p_k sum_c avail_ck Q_cj.
    Eigen::ArrayXXd by_country = Eigen::ArrayXXd::Zero(C, P);
    Row q(P);
    for (int i = 0; i < m.n_buyers(); ++i) {
      buyer_quantities(m, r, i, q);
      by_country.row(m.buyer_country[i]) += q;
    }
    Eigen::MatrixXd J = Eigen::MatrixXd::Zero(P, P);
    for (int k = 0; k < P; ++k) {
      if (!(p(k) > 0)) continue;
      for (int j = 0; j < P; ++j) {
        double exposed = 0;  // demand for j of buyers who may buy k
        for (int c = 0; c < C; ++c)
          if (r.avail(c, k) > 0) exposed += by_country(c, j);
        J(j, k) = r.E(j, k) * exposed / p(k);
      }
    }
    return J;
  }

  void pricing_pass(const MarketData& m, const Eigen::VectorXd& p, const Eigen::VectorXd* rationing,
                    PricingTerms& out) const override {
    const bool with_allocation = rationing != nullptr;
    const int A = m.n_buyers(), P = m.n_products(), C = m.n_countries;
    const CountryRows r = country_rows(m, p);

    // Every term of the FOC is linear in the quantities, and the derivatives depend on the buyer
    // only through its country: per block, sum q_ij by (country, product).
    struct Partial {
      Eigen::ArrayXXd by_country;  // C x P
      Eigen::ArrayXXd units_to;    // P x C
    };
    start_pricing_terms(out, A, P, C, with_allocation);
    Eigen::ArrayXXd by_country = Eigen::ArrayXXd::Zero(C, P);
    over_buyer_blocks<Partial>(
        A,
        [&](int first, int end, Partial& acc) {
          Row q(P);
          acc.by_country.setZero(C, P);
          if (with_allocation) acc.units_to.setZero(P, C);
          for (int i = first; i < end; ++i) {
            buyer_quantities(m, r, i, q);
            const int c = m.buyer_country[i];
            acc.by_country.row(c) += q;
            if (with_allocation) deliver(m, *rationing, i, c, q, r.buyer_price.row(c), r.home.row(c), acc.units_to, out);
          }
        },
        [&](const Partial& acc) {
          by_country += acc.by_country;
          if (with_allocation) out.units_to += acc.units_to;
        });

    // With Q_cj = sum_{i in c} q_ij and dq_ij/dp_k = E_jk q_ij / p_k:
    //   own_ij = -E_jj q_ij / p_j, cross_ikj = E_kj q_ik / p_j (k != j, j available in c), so
    //   slope_j = -E_jj Q_j / p_j, slope_net_j = -E_jj sum_c (1 - fee_cj) Q_cj / p_j,
    //   foc_rest_j = sum_c (1 - fee_cj) Q_cj + sum_c avail_cj sum_{k in f(j), k != j} m_ck E_kj Q_ck / p_j.
    for (int j = 0; j < P; ++j) {
      const double inv_p = p(j) > 0 ? 1.0 / p(j) : 0.0;
      const double e = r.E(j, j);
      double Q = 0, net_Q = 0, cross = 0;
      for (int c = 0; c < C; ++c) {
        Q += by_country(c, j);
        net_Q += r.net_share(c, j) * by_country(c, j);
        if (!(r.avail(c, j) > 0)) continue;
        for (int k = 0; k < P; ++k)
          if (k != j && m.product_owner[k] == m.product_owner[j])
            cross += r.margin(c, k) * r.E(k, j) * by_country(c, k);
      }
      out.quantity(j) = Q;
      out.slope(j) = -e * Q * inv_p;
      out.slope_net(j) = -e * net_Q * inv_p;
      out.foc_rest(j) = net_Q + cross * inv_p;
      out.own_derivative(j) = e * Q * inv_p;
    }
  }

 private:
  // E (P x P) for a market of P products: own_ on the diagonal, cross_ elsewhere, then overrides.
  // Overrides name world products; the market may hold a subset (MarketData::world_index), or
  // one column per destination of a product (pricing by destination): an override applies to
  // every column of its products.
  Eigen::MatrixXd elasticities(const MarketData& m) const {
    const int P = m.n_products();
    Eigen::MatrixXd E = Eigen::MatrixXd::Constant(P, P, cross_);
    E.diagonal().setConstant(own_);
    auto world_of = [&](int k) { return m.world_index.empty() ? k : m.world_index[static_cast<std::size_t>(k)]; };
    for (const ElasticityOverride& o : overrides_)
      for (int a = 0; a < P; ++a)
        if (world_of(a) == o.product)
          for (int b = 0; b < P; ++b)
            if (world_of(b) == o.with && (o.product != o.with || a == b)) E(a, b) = o.value;
    return E;
  }

  CountryRows country_rows(const MarketData& m, const Eigen::VectorXd& p) const {
    const int C = m.n_countries, P = m.n_products();
    CountryRows r;
    static_cast<MarketRows&>(r) = market_rows(m, p);
    r.E = elasticities(m);
    r.level.resize(C, P);
    r.reference_cost.resize(P);
    Eigen::VectorXd reference(P);
    for (int j = 0; j < P; ++j) {
      reference(j) = markup_ * std::max(m.marginal_cost(j), 1.0);
      r.reference_cost(j) = m.units_per_choice(j) * reference(j);
    }
    Eigen::VectorXd log_ratio(P);
    for (int c = 0; c < C; ++c) {
      for (int j = 0; j < P; ++j)  // masked products are excluded from the product
        log_ratio(j) = r.avail(c, j) > 0 ? std::log(r.buyer_price(c, j) / reference(j)) : 0.0;
      const Eigen::VectorXd log_level = r.E * log_ratio;
      r.level.row(c) = log_level.transpose().array().exp();
    }
    return r;
  }

  // q_ij of one buyer (row of length P): M_i n_j b_ij level_cj, masked products exactly zero.
  static void buyer_quantities(const MarketData& m, const CountryRows& r, int i, Row& q) {
    const int c = m.buyer_country[i];
    const auto avail = r.avail.row(c);
    const Row u = m.mean_utility.transpose().array() + m.home_bias(i) * r.home.row(c) + r.shift.row(c) - m.alpha(i) * r.reference_cost;
    const double lowest = -std::numeric_limits<double>::infinity();
    const double umax = std::max(0.0, (avail > 0).select(u, lowest).maxCoeff());
    q = (avail > 0).select((u - umax).exp(), 0.0);
    const double denom = std::exp(-umax) + q.sum();
    q *= (m.market_size(i) / denom) * m.units_per_choice.transpose().array() * r.level.row(c);
    q = (avail > 0).select(q, 0.0);  // 0 x inf from an extreme price level stays 0
  }

  double markup_, own_, cross_;
  std::vector<ElasticityOverride> overrides_;
};

const bool registered = register_demand_model("constant_elasticity", [](TableReader& table, const Model& world) {
  const double markup = table.number_or("reference_markup", 2.0, 1.01, 100.0);
  const double own = table.number_or("own_elasticity", -3.0, -50.0, -1.0001);
  const double cross = table.number_or("cross_elasticity", 0.1, 0.0, 10.0);
  std::vector<ElasticityOverride> overrides;
  for (TableReader& e : table.tables("elasticity")) {
    ElasticityOverride o;
    const std::string product = e.string("product"), with = e.string("with");
    const auto j = world.product_index(product);
    if (!j) e.fail("product", "unknown product \"" + product + "\"");
    const auto k = world.product_index(with);
    if (!k) e.fail("with", "unknown product \"" + with + "\"");
    o.product = *j;
    o.with = *k;
    o.value = e.number("value", -50.0, 10.0);
    if (o.product == o.with && o.value > -1.0001)
      e.fail("value", "an own-price elasticity (with = product) must be in [-50, -1.0001]");
    for (const ElasticityOverride& seen : overrides)
      if (seen.product == o.product && seen.with == o.with)
        e.fail("with", "duplicate elasticity of \"" + product + "\" with respect to \"" + with + "\"");
    e.finish();
    overrides.push_back(o);
  }
  return std::make_unique<ConstantElasticityDemand>(markup, own, cross, std::move(overrides));
});

}  // namespace
}  // namespace chipsim

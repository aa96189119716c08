// Multinomial logit with an outside option and heterogeneous price sensitivity (docs/SPEC.md §4).
//
// A buyer makes M_i purchase decisions per period; a decision for product j buys n_j units
// (n_j = units_per_choice: 1 when buyers shop for chips, 1/performance when they shop for
// compute, i.e. one H100-equivalent per decision). Buyer i (country c) values a decision for j at
//     u_ij = delta_j + h_i [origin_j == c] - alpha_i n_j (1 + tariff_cj) p_j,   outside u_i0 = 0,
// chooses with s_ij = exp(u_ij) / (1 + sum_k exp(u_ik)) over the products it may buy (others are
// masked out: exactly zero), and buys q_ij = M_i n_j s_ij units. With a_ij = alpha_i n_j (1 + tariff_cj):
//     dq_ij/dp_k = -M_i n_j a_ik s_ij (1[j=k] - s_ik).
// Assumptions: one price per product worldwide (tariffs are wedges on top), no income effects,
// the outside option is "do not buy an accelerator this period".
#include <Eigen/Core>
#include <cmath>
#include <limits>

#include "sim/buyer_blocks.hpp"
#include "sim/demand_model.hpp"
#include "sim/market_rows.hpp"

namespace chipsim {
namespace {

using CountryRows = MarketRows;

CountryRows country_rows(const MarketData& m, const Eigen::VectorXd& p) { return market_rows(m, p); }

// Shares of one buyer (row vector of length P) at the given country rows.
void buyer_shares(const MarketData& m, const CountryRows& r, const Eigen::VectorXd& p, int i,
                  Eigen::Array<double, 1, Eigen::Dynamic>& s) {
  const int c = m.buyer_country[i];
  const auto avail = r.avail.row(c);
  Eigen::Array<double, 1, Eigen::Dynamic> u = m.mean_utility.transpose().array() + m.home_bias(i) * r.home.row(c) + r.shift.row(c) -
                                              m.alpha(i) * r.price_factor.row(c) * p.transpose().array();
  const double lowest = -std::numeric_limits<double>::infinity();
  const double umax = std::max(0.0, (avail > 0).select(u, lowest).maxCoeff());
  s = (avail > 0).select((u - umax).exp(), 0.0);
  const double denom = std::exp(-umax) + s.sum();
  s /= denom;
}

class LogitDemand final : public DemandModel {
 public:
  std::string_view name() const override { return "logit"; }

  Eigen::ArrayXXd quantities(const MarketData& m, const Eigen::VectorXd& p) const override {
    const CountryRows r = country_rows(m, p);
    Eigen::ArrayXXd q(m.n_buyers(), m.n_products());
    Eigen::Array<double, 1, Eigen::Dynamic> s(m.n_products());
    for (int i = 0; i < m.n_buyers(); ++i) {
      buyer_shares(m, r, p, i, s);
      q.row(i) = m.market_size(i) * s * m.units_per_choice.transpose().array();
    }
    return q;
  }

  Eigen::MatrixXd price_jacobian(const MarketData& m, const Eigen::VectorXd& p) const override {
    const CountryRows r = country_rows(m, p);
    const int P = m.n_products();
    Eigen::MatrixXd J = Eigen::MatrixXd::Zero(P, P);
    Eigen::Array<double, 1, Eigen::Dynamic> s(P);
    for (int i = 0; i < m.n_buyers(); ++i) {
      buyer_shares(m, r, p, i, s);
      const int c = m.buyer_country[i];
      // a_ik = alpha_i n_k (1 + tariff_ck); dQ_j/dp_k += M_i n_j s_ij a_ik (s_ik - 1[j=k])
      const Eigen::RowVectorXd a = (m.alpha(i) * r.price_factor.row(c)).matrix();
      const Eigen::VectorXd sv = (s.transpose() * m.units_per_choice.array()).matrix();
      const Eigen::RowVectorXd as = a.cwiseProduct(s.matrix());
      J.noalias() += m.market_size(i) * (sv * as);
      J.diagonal() -= m.market_size(i) * as.transpose().cwiseProduct(m.units_per_choice);
    }
    return J;
  }

  void pricing_pass(const MarketData& m, const Eigen::VectorXd& p, const Eigen::VectorXd* rationing,
                    PricingTerms& out) const override {
    const bool allocation = rationing != nullptr;
    const int A = m.n_buyers(), P = m.n_products(), C = m.n_countries, F = m.n_owners;
    const CountryRows r = country_rows(m, p);
    start_pricing_terms(out, A, P, C, allocation);
    over_buyer_blocks<PricingPartial>(
        A,
        [&](int first, int end, PricingPartial& acc) {
          acc.reset(P, C, allocation);
          Eigen::Array<double, 1, Eigen::Dynamic> s(P), q(P), cross(P), own(P), gj(P);
          Eigen::ArrayXd firm_sum(F);
          const auto n = m.units_per_choice.transpose().array();
          for (int i = first; i < end; ++i) {
            buyer_shares(m, r, p, i, s);
            const int c = m.buyer_country[i];
            const double M = m.market_size(i);
            q = M * s * n;                                     // q_ij
            cross = M * m.alpha(i) * r.price_factor.row(c) * s;  // M_i a_ij s_ij
            own = cross * n;                                   // own_ij = M_i n_j a_ij s_ij
            // Per-firm sums G_if = sum_{k in f} n_k s_ik m_ik, gathered back per product: the
            // cross terms of firm f's FOC for j are M_i a_ij s_ij G_if.
            firm_sum.setZero();
            for (int k = 0; k < P; ++k) firm_sum(m.product_owner[k]) += n(k) * s(k) * r.margin(c, k);
            for (int j = 0; j < P; ++j) gj(j) = firm_sum(m.product_owner[j]);
            const auto net = r.net_share.row(c);
            acc.quantity += q.transpose();
            acc.slope += own.transpose();
            acc.slope_net += (net * own).transpose();
            acc.foc_rest += (net * q + cross * gj).transpose();
            acc.own_derivative -= (own * (1.0 - s)).transpose();
            if (allocation) deliver(m, *rationing, i, c, q, r.buyer_price.row(c), r.home.row(c), acc.units_to, out);
          }
        },
        [&](const PricingPartial& acc) { acc.add_to(out, allocation); });
  }
};

// The logit has no parameters beyond the buyers' and products' own (alpha, delta, home bias).
const bool registered =
    register_demand_model("logit", [](TableReader&, const Model&) { return std::make_unique<LogitDemand>(); });

}  // namespace
}  // namespace chipsim

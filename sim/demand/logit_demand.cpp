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
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "sim/demand/buyer_blocks.hpp"
#include "sim/demand/demand_model.hpp"
#include "sim/demand/logit_rows.hpp"
#include "sim/demand/logit_series.hpp"
#include "sim/scenario/table_reader.hpp"

namespace chipsim {
namespace {

using CountryRows = MarketRows;

CountryRows country_rows(const MarketData& m, const Eigen::VectorXd& p) { return market_rows(m, p); }

// Shares of one buyer (row vector of length P) at the given country rows.
// With log_sum, also ln(1 + sum_k exp(u_ik)) (the inclusive value, outside option included).
void buyer_shares(const MarketData& m, const CountryRows& r, const Eigen::VectorXd& p, int i,
                  Eigen::Array<double, 1, Eigen::Dynamic>& s, double* log_sum = nullptr) {
  const int c = m.buyer_country[i];
  const auto avail = r.avail.row(c);
  Eigen::Array<double, 1, Eigen::Dynamic> u = m.mean_utility.transpose().array() + m.home_bias(i) * r.home.row(c) + r.shift.row(c) -
                                              m.alpha(i) * r.price_factor.row(c) * p.transpose().array();
  const double lowest = -std::numeric_limits<double>::infinity();
  const double umax = std::max(0.0, (avail > 0).select(u, lowest).maxCoeff());
  s = (avail > 0).select((u - umax).exp(), 0.0);
  const double denom = std::exp(-umax) + s.sum();
  s /= denom;
  if (log_sum) *log_sum = umax + std::log(denom);
}

// Buyers per block of the fused pass: large enough that folding the blocks' per-country sums
// (4 x C x P each) costs little next to the pass itself.
constexpr int kLogitBuyersPerBlock = 1024;

// Exponents below this are raised to it before exp: exp(-700) ~ 1e-304 is still a normal
// double, so the exp of masked products (utility -inf, share then zeroed) and of hopeless ones
// does not produce subnormal numbers, whose arithmetic is ~100x slower (it made a first version
// of this pass 2x slower on history). A share of 1e-304 is zero for any purpose.
constexpr double kExpArgumentFloor = -700.0;

// Buyers in country order (stable): consecutive buyers share their country's rows, which
// then stay in cache. The order is fixed by the market, never by the threads.
void buyers_by_country(const MarketData& m, std::vector<int>& order) {
  std::vector<int> first(static_cast<std::size_t>(m.n_countries) + 1, 0);
  for (int c : m.buyer_country) ++first[static_cast<std::size_t>(c) + 1];
  for (std::size_t c = 1; c < first.size(); ++c) first[c] += first[c - 1];
  order.resize(static_cast<std::size_t>(m.n_buyers()));
  for (int i = 0; i < m.n_buyers(); ++i) order[static_cast<std::size_t>(first[static_cast<std::size_t>(m.buyer_country[i])]++)] = i;
}

// What the logit keeps between the passes of one solve (PricingTerms::workspace).
struct LogitWorkspace final : PassWorkspace {
  OwnerGroupedRows grouped;
  std::vector<int> buyers;            // buyers in country order
  LogitCountrySums total;             // the pass's sums (a one-block pass sums into it directly)
  Eigen::ArrayXd weight_of_country;   // A_c = sum_{i in c} M_i alpha_i (C): depends on the buyers only
  bool weight_current = false;        // weight_of_country is this market's (reset by a new market)
};

LogitWorkspace& logit_workspace(PricingTerms& out) {
  auto* w = dynamic_cast<LogitWorkspace*>(out.workspace.get());
  if (!w) {
    auto made = std::make_shared<LogitWorkspace>();
    w = made.get();
    out.workspace = std::move(made);
  }
  return *w;
}

class LogitDemand final : public DemandModel {
 public:
  explicit LogitDemand(SeriesEvaluation evaluation = SeriesEvaluation::automatic) : evaluation_(evaluation) {}
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

  Eigen::VectorXd consumer_surplus(const MarketData& m, const Eigen::VectorXd& p) const override {
    const CountryRows r = country_rows(m, p);
    Eigen::VectorXd cs(m.n_buyers());
    Eigen::Array<double, 1, Eigen::Dynamic> s(m.n_products());
    for (int i = 0; i < m.n_buyers(); ++i) {
      double log_sum = 0;
      buyer_shares(m, r, p, i, s, &log_sum);
      cs(i) = m.market_size(i) / m.alpha(i) * log_sum;
    }
    return cs;
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

  // The fused pass (docs/SPEC.md §3). Per buyer i of country c, with w_ij = M_i alpha_i s_ij:
  //   S1_cj += M_i s_ij,  S2_cj += w_ij,  S3_cj += w_ij G_i,f(j),  S4_cj += w_ij s_ij,
  // where G_if = sum_{k in f} n_k m_ck s_ik. With pf_cj = n_j (1 + tariff_cj) the terms are
  //   Q_j = n_j sum_c S1_cj,                 slope_j = n_j sum_c pf_cj S2_cj,
  //   slope_net_j = n_j sum_c net_cj pf_cj S2_cj,
  //   foc_rest_j = n_j sum_c net_cj S1_cj + sum_c pf_cj S3_cj,
  //   dQ_j/dp_j = -n_j sum_c pf_cj (S2_cj - S4_cj).
  // The cross derivatives dQ_j/dp_k = n_j sum_c pf_ck sum_{i in c} w_ij s_ik (k != j) are
  // approximated per country by treating the buyers' shares of j and k as uncorrelated under the
  // weights M_i alpha_i (mean field): sum_{i in c} w_ij s_ik ~ S2_cj S2_ck / A_c with
  // A_c = sum_{i in c} M_i alpha_i, a rank-C matrix (exact for identical buyers). It captures the
  // common mode of the logit, every price acting on every share through the buyer's outside
  // option, and is only used to speed up the pricing iteration.
  // Products are visited grouped by owner so that G is a sum over a contiguous segment.
  void pricing_pass(const MarketData& m, const Eigen::VectorXd& p, const Eigen::VectorXd* rationing,
                    PricingTerms& out) const override {
    const bool allocation = rationing != nullptr;
    const int A = m.n_buyers(), P = m.n_products(), C = m.n_countries;
    LogitWorkspace& w = logit_workspace(out);
    if (out.same_market && w.grouped.product.size() == static_cast<std::size_t>(P))
      update_owner_grouped_prices(m, p, rationing, w.grouped);
    else
      fill_owner_grouped_rows(m, p, rationing, w.grouped);
    const OwnerGroupedRows& g = w.grouped;
    const bool cross = out.want_cross_terms && P > 0;  // nothing on offer: no cross terms either
    start_pricing_terms(out, A, P, C, allocation, cross);
    if (allocation) out.buyer_log_sum.setZero(A);  // ln 1 for a buyer with nothing on offer
    else out.buyer_log_sum.resize(0);
    if (P == 0) return;  // nothing on offer: no terms, nobody buys
    LogitCountrySums& total = w.total;
    total.reset(C, P, allocation);
    // One exponential per buyer and product, or the expansion of sim/demand/logit_series.hpp ([demand]
    // evaluation; the same numbers to rounding, ~1e-14 relative).
    if (const auto plan = choose_series(evaluation_, m, g))
      logit_series_pass(m, g, *plan, allocation, total, out);
    else
      direct_pass(m, g, allocation, w, out);
    if (!out.same_market) w.weight_current = false;
    if (cross) {
      if (!w.weight_current || w.weight_of_country.size() != C) {
        w.weight_of_country.setZero(C);
        for (int i = 0; i < A; ++i) w.weight_of_country(m.buyer_country[i]) += m.market_size(i) * m.alpha(i);
        w.weight_current = true;
      }
      out.cross_left.resize(P, C);
      out.cross_right.resize(P, C);
    }
    for (int k = 0; k < P; ++k) {
      const int j = g.product[static_cast<std::size_t>(k)];
      const double n = m.units_per_choice(j);
      if (cross)
        for (int c = 0; c < C; ++c) {
          const double a = w.weight_of_country(c);
          out.cross_left(j, c) = a > 0 ? n * total.s2(c, k) / a : 0.0;
          out.cross_right(j, c) = g.rows.price_factor(c, k) * total.s2(c, k);
        }
      double q = 0, slope = 0, slope_net = 0, rest = 0, own = 0;
      for (int c = 0; c < C; ++c) {
        const double pf = g.rows.price_factor(c, k), net = g.rows.net_share(c, k);
        q += total.s1(c, k);
        slope += pf * total.s2(c, k);
        slope_net += net * pf * total.s2(c, k);
        rest += n * net * total.s1(c, k) + pf * total.s3(c, k);
        own += pf * (total.s2(c, k) - total.s4(c, k));
        if (allocation) out.units_to(j, c) = total.units(c, k);
      }
      out.quantity(j) = n * q;
      out.slope(j) = n * slope;
      out.slope_net(j) = n * slope_net;
      out.foc_rest(j) = rest;
      out.own_derivative(j) = -n * own;
    }
  }

 private:
  // One exponential per buyer and product; buyers in country order, in blocks folded in order.
  static void direct_pass(const MarketData& m, const OwnerGroupedRows& g, bool allocation, LogitWorkspace& w,
                          PricingTerms& out) {
    const int A = m.n_buyers(), P = m.n_products(), C = m.n_countries;
    buyers_by_country(m, w.buyers);
    const std::vector<int>& buyers = w.buyers;
    LogitCountrySums& total = w.total;
    over_buyer_blocks<LogitCountrySums>(
        A,
        [&](int first, int end, LogitCountrySums& acc) {
          acc.reset(C, P, allocation);
          auto& u = acc.u;
          auto& e = acc.e;
          auto& firm = acc.firm;
          u.resize(P), e.resize(P), firm.resize(P);
          for (int position = first; position < end; ++position) {
            const int i = buyers[static_cast<std::size_t>(position)];
            const int c = m.buyer_country[i];
            const double M = m.market_size(i), alpha = m.alpha(i);
            u = g.base.row(c) + m.home_bias(i) * g.rows.home.row(c) - alpha * g.price_utility.row(c);
            const double umax = std::max(0.0, u.maxCoeff());  // masked products: -inf
            e = (u - umax).max(kExpArgumentFloor).exp() * g.rows.avail.row(c);
            const double inv = 1.0 / (std::exp(-umax) + e.sum());  // s_ij = e_j inv
            for (std::size_t f = 0; f + 1 < g.segment.size(); ++f) {
              const int a = g.segment[f], n = g.segment[f + 1] - a;
              firm.segment(a, n).setConstant(inv * (e.segment(a, n) * g.unit_margin.row(c).segment(a, n)).sum());
            }
            // One fused sweep over the products: the four sums of this buyer's country.
            const double Ma = M * alpha;
            const double* __restrict ep = e.data();
            const double* __restrict fp = firm.data();
            double* __restrict s1 = acc.s1.row(c).data();
            double* __restrict s2 = acc.s2.row(c).data();
            double* __restrict s3 = acc.s3.row(c).data();
            double* __restrict s4 = acc.s4.row(c).data();
#pragma GCC ivdep  // the four rows are distinct arrays
            for (int k = 0; k < P; ++k) {
              const double s = ep[k] * inv, w = Ma * s;
              s1[k] += M * s;
              s2[k] += w;
              s3[k] += w * fp[k];
              s4[k] += w * s;
            }
            if (!allocation) continue;
            const Eigen::Array<double, 1, Eigen::Dynamic> bought = (M * inv) * e * g.delivered_per_choice;
            acc.units.row(c) += bought;
            out.buyer_spend(i) = (bought * g.rows.buyer_price.row(c)).sum();
            out.buyer_compute(i) = (bought * g.performance).sum();
            out.buyer_domestic_units(i) = (bought * g.rows.home.row(c)).sum();
            out.buyer_log_sum(i) = umax - std::log(inv);  // ln(1 + sum_j exp(u_ij)) = umax + ln(exp(-umax) + sum_j e_j)
          }
        },
        [&](const LogitCountrySums& acc) {
          if (&acc != &total) total.add(acc, allocation);  // a one-block pass summed into total itself
        },
        kLogitBuyersPerBlock, &total);
  }

  SeriesEvaluation evaluation_;
};

// The logit has no economic parameters beyond the buyers' and products' own (alpha, delta, home
// bias); [demand] evaluation = "auto" | "direct" | "series" picks how its pass is computed.
const bool registered = register_demand_model("logit", [](TableReader& table, const Model&) {
  return std::make_unique<LogitDemand>(read_series_evaluation(table));
});

}  // namespace
}  // namespace chipsim

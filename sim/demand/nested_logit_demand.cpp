// Nested logit with an outside option and heterogeneous price sensitivity (docs/SPEC.md §4).
//
// As the logit (sim/demand/logit_demand.cpp): buyer i (country c) makes M_i purchase decisions per
// period, a decision for product j buys n_j units, and values it at
//     V_ij = delta_j + h_i [origin_j == c] - a_ij p_j,   a_ij = alpha_i n_j (1 + tariff_cj),
// but the products a buyer may buy are grouped in nests g and the idiosyncratic tastes are
// correlated within a nest (McFadden 1978; Berry 1994). With the nest parameter lambda in (0, 1]
// (1 - lambda: correlation of tastes within a nest) and the outside option u_i0 = 0 as its own
// nest of inclusive value 1:
//     D_ig    = sum_{k in g, available} exp(V_ik / lambda),
//     s_j|g   = exp(V_ij / lambda) / D_ig,          s_g = D_ig^lambda / (1 + sum_h D_ih^lambda),
//     s_ij    = s_j|g s_g,                          q_ij = M_i n_j s_ij   (masked: exactly zero),
//     ds_ij/dV_ik = s_ij [ 1[j=k] / lambda - (1 - lambda)/lambda s_k|g 1[k in g(j)] - s_ik ],
// so dq_ij/dp_k = -M_i n_j a_ik ds_ij/dV_ik. lambda = 1 is the logit; as lambda falls, buyers
// substitute more within a nest than across nests (at lambda -> 0 a nest becomes one product).
// Nests are drawn for every buyer country from the key nest_by:
//     "domestic" (default): two nests, products made in the buyer's country and all others;
//     "owner":  one nest per owning firm (brand/ecosystem loyalty);
//     "origin": one nest per country of origin.
// Assumptions: as the logit (one price per product worldwide, tariffs are wedges on top, no
// income effects, the outside option is "do not buy an accelerator this period"); lambda is the
// same for every nest and buyer; nests are fixed by the product's origin or owner, never by
// prices. Parameters ([demand], model = "nested_logit"):
//     nest_parameter  lambda, in [0.05, 1], default 0.7;
//     nest_by         "domestic" | "owner" | "origin", default "domestic";
//     evaluation      "auto" | "direct" | "series", default "auto" (as for the logit; "series"
//                     needs nest_by = "domestic").
// Numerics: exponents are shifted by the largest V/lambda within each nest and inclusive values
// by the largest one (and 0, the outside option), so large utilities neither overflow nor
// underflow; buyers are processed in fixed blocks as in the logit (bit-identical results for
// any number of threads). The direct pricing pass is O(buyers x products): the cross terms of a
// firm's first-order condition need, per buyer, one sum per firm and one per (firm, nest). With
// nest_by = "domestic" the pass is evaluated, where cheaper, by the expansion of
// sim/demand/logit_series.hpp (O(buyers + bins x products); each nest shifted by its own largest
// exponent there too).

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "sim/demand/buyer_blocks.hpp"
#include "sim/demand/demand_model.hpp"
#include "sim/demand/logit_rows.hpp"
#include "sim/demand/nested_logit_series.hpp"
#include "sim/demand/market_rows.hpp"
#include "sim/scenario/table_reader.hpp"

namespace chipsim {
namespace {

using IntRows = Eigen::Array<int, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Row = Eigen::Array<double, 1, Eigen::Dynamic>;


enum class NestBy { domestic, owner, origin };

int nest_of(const MarketData& m, NestBy by, int c, int j) {
  switch (by) {
    case NestBy::domestic: return m.product_origin[j] == c ? 0 : 1;
    case NestBy::owner: return m.product_owner[j];
    case NestBy::origin: return m.product_origin[j];
  }
  return 0;
}

// Per-country views of the product side plus the nests.
struct CountryRows : MarketRows {
  IntRows nest;          // nest of product j for buyers in c
  IntRows group;         // first product with j's owner and nest in c (index of a (firm, nest) sum)
  int n_nests = 1;
  int n_firms = 1;
};

CountryRows country_rows(const MarketData& m, const Eigen::VectorXd& p, NestBy by) {
  const int C = m.n_countries, P = m.n_products();
  CountryRows r;
  static_cast<MarketRows&>(r) = market_rows(m, p);
  r.nest.resize(C, P);
  r.group.resize(C, P);
  r.n_firms = std::max(1, m.n_owners);
  for (int j = 0; j < P; ++j) r.n_firms = std::max(r.n_firms, m.product_owner[j] + 1);
  for (int c = 0; c < C; ++c)
    for (int j = 0; j < P; ++j) {
      r.nest(c, j) = nest_of(m, by, c, j);
      r.n_nests = std::max(r.n_nests, r.nest(c, j) + 1);
      r.group(c, j) = j;
      for (int k = 0; k < j; ++k)
        if (m.product_owner[k] == m.product_owner[j] && r.nest(c, k) == r.nest(c, j)) {
          r.group(c, j) = r.group(c, k);
          break;
        }
    }
  return r;
}

// One buyer's shares: s_ij, the within-nest shares s_j|g(j) and the nests' shares s_g.
struct BuyerShares {
  Row w, s, cond;
  Eigen::ArrayXd nest_max, nest_sum, nest_share;
  double log_sum = 0;  // ln(1 + sum_g D_ig^lambda): the inclusive value, outside option included
  BuyerShares(int P, int G) : w(P), s(P), cond(P), nest_max(G), nest_sum(G), nest_share(G) {}
};

void buyer_shares(const MarketData& m, const CountryRows& r, const Eigen::VectorXd& p, double lambda, int i,
                  BuyerShares& b) {
  const int c = m.buyer_country[i], P = m.n_products();
  const auto avail = r.avail.row(c);
  const auto nest = r.nest.row(c);
  b.w = (m.mean_utility.transpose().array() + m.home_bias(i) * r.home.row(c) + r.shift.row(c) -
         m.alpha(i) * r.price_factor.row(c) * p.transpose().array()) /
        lambda;  // V_ij / lambda
  b.nest_max.setConstant(-std::numeric_limits<double>::infinity());
  for (int j = 0; j < P; ++j)
    if (avail(j) > 0) b.nest_max(nest(j)) = std::max(b.nest_max(nest(j)), b.w(j));
  b.nest_sum.setZero();
  for (int j = 0; j < P; ++j) {
    if (avail(j) > 0) {
      b.cond(j) = std::exp(b.w(j) - b.nest_max(nest(j)));
      b.nest_sum(nest(j)) += b.cond(j);
    } else {
      b.cond(j) = 0.0;
    }
  }
  // Inclusive values lambda ln D_ig, shifted by the largest one (or 0, the outside option).
  double top = 0.0;
  for (int g = 0; g < b.nest_sum.size(); ++g)
    if (b.nest_sum(g) > 0) {
      b.nest_share(g) = lambda * (b.nest_max(g) + std::log(b.nest_sum(g)));
      top = std::max(top, b.nest_share(g));
    }
  double denom = std::exp(-top);
  for (int g = 0; g < b.nest_sum.size(); ++g) {
    b.nest_share(g) = b.nest_sum(g) > 0 ? std::exp(b.nest_share(g) - top) : 0.0;
    denom += b.nest_share(g);
  }
  b.nest_share /= denom;
  b.log_sum = top + std::log(denom);
  for (int j = 0; j < P; ++j) {
    if (avail(j) > 0) {
      b.cond(j) /= b.nest_sum(nest(j));
      b.s(j) = b.cond(j) * b.nest_share(nest(j));
    } else {
      b.s(j) = 0.0;  // masked: exactly zero
    }
  }
}

class NestedLogitDemand final : public DemandModel {
 public:
  NestedLogitDemand(double lambda, NestBy by, SeriesEvaluation evaluation = SeriesEvaluation::automatic)
      : lambda_(lambda), by_(by), evaluation_(evaluation) {}
  std::string_view name() const override { return "nested_logit"; }

  Eigen::VectorXd consumer_surplus(const MarketData& m, const Eigen::VectorXd& p) const override {
    const CountryRows r = country_rows(m, p, by_);
    Eigen::VectorXd cs(m.n_buyers());
    // Buyers in parallel blocks: each writes only its own entry, so any thread count gives the
    // same numbers.
    tbb::task_group_context isolated(tbb::task_group_context::isolated);
    tbb::parallel_for(
        tbb::blocked_range<int>(0, m.n_buyers(), kBuyersPerBlock),
        [&](const tbb::blocked_range<int>& range) {
          BuyerShares b(m.n_products(), r.n_nests);
          for (int i = range.begin(); i != range.end(); ++i) {
            buyer_shares(m, r, p, lambda_, i, b);
            cs(i) = m.market_size(i) / m.alpha(i) * b.log_sum;
          }
        },
        tbb::auto_partitioner(), isolated);
    return cs;
  }

  Eigen::ArrayXXd quantities(const MarketData& m, const Eigen::VectorXd& p) const override {
    const CountryRows r = country_rows(m, p, by_);
    Eigen::ArrayXXd q(m.n_buyers(), m.n_products());
    BuyerShares b(m.n_products(), r.n_nests);
    for (int i = 0; i < m.n_buyers(); ++i) {
      buyer_shares(m, r, p, lambda_, i, b);
      q.row(i) = m.market_size(i) * b.s * m.units_per_choice.transpose().array();
    }
    return q;
  }

  Eigen::MatrixXd price_jacobian(const MarketData& m, const Eigen::VectorXd& p) const override {
    const CountryRows r = country_rows(m, p, by_);
    const int P = m.n_products();
    const double kappa = (1.0 - lambda_) / lambda_;
    Eigen::MatrixXd J = Eigen::MatrixXd::Zero(P, P);
    BuyerShares b(P, r.n_nests);
    const auto n = m.units_per_choice.transpose().array();
    for (int i = 0; i < m.n_buyers(); ++i) {
      buyer_shares(m, r, p, lambda_, i, b);
      const int c = m.buyer_country[i];
      const double M = m.market_size(i);
      // dQ_j/dp_k += M_i n_j s_ij a_ik [ s_ik + kappa s_k|g 1[same nest] - 1[j=k] / lambda ]
      const Row a = m.alpha(i) * r.price_factor.row(c);
      const Row ns = n * b.s;
      const Row as = a * b.s;
      J.noalias() += M * (ns.matrix().transpose() * as.matrix());
      J.diagonal() -= (M / lambda_) * (ns * a).matrix().transpose();
      if (kappa != 0.0) {
        const auto nest = r.nest.row(c);
        for (int k = 0; k < P; ++k) {
          const double ak = M * kappa * a(k) * b.cond(k);
          if (ak == 0.0) continue;
          for (int j = 0; j < P; ++j)
            if (nest(j) == nest(k)) J(j, k) += ns(j) * ak;
        }
      }
    }
    return J;
  }

  void pricing_pass(const MarketData& m, const Eigen::VectorXd& p, const Eigen::VectorXd* rationing,
                    PricingTerms& out) const override {
    const bool with_allocation = rationing != nullptr;
    const int A = m.n_buyers(), P = m.n_products(), C = m.n_countries;
    const double lambda = lambda_, kappa = (1.0 - lambda_) / lambda_;

    start_pricing_terms(out, A, P, C, with_allocation);
    // With nests "domestic", the expansion of sim/demand/logit_series.hpp where [demand] evaluation
    // chooses it (the same numbers to rounding).
    if (P > 0 && by_ == NestBy::domestic && series_may_pay(evaluation_, m)) {
      const OwnerGroupedRows g = owner_grouped_rows(m, p, rationing);
      if (const auto plan = choose_series(evaluation_, m, g, 1.0 / lambda, true)) {
        NestedCountrySums t;
        t.reset(C, P);
        nested_logit_series_pass(m, g, *plan, lambda, with_allocation, t, out);
        assemble(m, g, t, with_allocation, out);
        return;
      }
    }
    const CountryRows r = country_rows(m, p, by_);  // the direct pass's rows (nests, groups)
    const int F = r.n_firms, G = r.n_nests;
    over_buyer_blocks<PricingPartial>(
        A,
        [&](int first, int end, PricingPartial& acc) {
          acc.reset(P, C, with_allocation);
          BuyerShares b(P, G);
          Row q(P), cross(P), own(P), within(P), gj(P), hj(P);
          const auto n = m.units_per_choice.transpose().array();
          Eigen::ArrayXd firm_sum(F), group_sum(P);
          {
            for (int i = first; i < end; ++i) {
              buyer_shares(m, r, p, lambda, i, b);
              const int c = m.buyer_country[i];
              const double M = m.market_size(i);
              const auto& s = b.s;
              q = M * s * n;                                          // q_ij
              cross = M * m.alpha(i) * r.price_factor.row(c) * s;       // M_i a_ij s_ij
              within = M * m.alpha(i) * r.price_factor.row(c) * b.cond; // M_i a_ij s_j|g
              own = cross * n / lambda;                                // own_ij = M_i n_j a_ij s_ij / lambda
              // Per-firm sums F_if = sum_{k in f} n_k s_ik m_ik and per-(firm, nest) sums H_ifg;
              // the cross terms of firm f's FOC for j are M_i a_ij [s_ij F_if + kappa s_j|g H_ifg(j)].
              firm_sum.setZero();
              group_sum.setZero();
              for (int k = 0; k < P; ++k) {
                const double v = n(k) * s(k) * r.margin(c, k);
                firm_sum(m.product_owner[k]) += v;
                group_sum(r.group(c, k)) += v;
              }
              for (int j = 0; j < P; ++j) {
                gj(j) = firm_sum(m.product_owner[j]);
                hj(j) = group_sum(r.group(c, j));
              }
              const auto net = r.net_share.row(c);
              acc.quantity += q.transpose();
              acc.slope += own.transpose();
              acc.slope_net += (net * own).transpose();
              acc.foc_rest += (net * q + cross * gj + kappa * within * hj).transpose();
              // dq_ij/dp_j = -own_ij [1 - (1 - lambda) s_j|g - lambda s_ij]
              acc.own_derivative -= (own * (1.0 - (1.0 - lambda) * b.cond - lambda * s)).transpose();
              if (with_allocation) deliver(m, *rationing, i, c, q, r.buyer_price.row(c), r.home.row(c), acc.units_to, out);
            }
          }
        },
        [&](const PricingPartial& acc) { acc.add_to(out, with_allocation); });
  }

 private:
  // The pricing terms from the country sums of the expansion (sim/demand/logit_series.hpp): with
  // pf = n_j (1 + t_cj) and own_ij = M_i alpha_i pf s_ij n_j / lambda as in the direct pass,
  //   Q_j = n_j sum_c t1,  slope_j = n_j / lambda sum_c pf t2,  slope_net_j likewise with (1 - fee),
  //   foc_rest_j = sum_c [n_j net t1 + pf t3 + kappa pf t5],
  //   dQ_j/dp_j = -n_j / lambda sum_c pf [t2 - (1 - lambda) t6 - lambda t4].
  void assemble(const MarketData& m, const OwnerGroupedRows& g, const NestedCountrySums& t, bool with_allocation,
                PricingTerms& out) const {
    const double lambda = lambda_, kappa = (1.0 - lambda_) / lambda_;
    for (std::size_t k = 0; k < g.product.size(); ++k) {
      const int j = g.product[k];
      const auto kk = static_cast<Eigen::Index>(k);
      const double n = m.units_per_choice(j);
      double q = 0, slope = 0, slope_net = 0, rest = 0, own = 0;
      for (int c = 0; c < m.n_countries; ++c) {
        const double pf = g.rows.price_factor(c, kk), net = g.rows.net_share(c, kk);
        q += t.t1(c, kk);
        slope += pf * t.t2(c, kk);
        slope_net += net * pf * t.t2(c, kk);
        rest += n * net * t.t1(c, kk) + pf * t.t3(c, kk) + kappa * pf * t.t5(c, kk);
        own += pf * (t.t2(c, kk) - (1.0 - lambda) * t.t6(c, kk) - lambda * t.t4(c, kk));
        if (with_allocation) out.units_to(j, c) = t.t1(c, kk) * g.delivered_per_choice(kk);
      }
      out.quantity(j) = n * q;
      out.slope(j) = n / lambda * slope;
      out.slope_net(j) = n / lambda * slope_net;
      out.foc_rest(j) = rest;
      out.own_derivative(j) = -n / lambda * own;
    }
  }

  double lambda_;
  NestBy by_;
  SeriesEvaluation evaluation_;
};

const bool registered = register_demand_model("nested_logit", [](TableReader& table, const Model&) {
  const double lambda = table.number_or("nest_parameter", 0.7, 0.05, 1.0);
  const std::string by = table.optional_string("nest_by").value_or("domestic");
  NestBy nest_by = NestBy::domestic;
  if (by == "domestic")
    nest_by = NestBy::domestic;
  else if (by == "owner")
    nest_by = NestBy::owner;
  else if (by == "origin")
    nest_by = NestBy::origin;
  else
    table.fail("nest_by", "must be \"domestic\", \"owner\" or \"origin\", got \"" + by + "\"");
  const SeriesEvaluation evaluation = read_series_evaluation(table);
  if (evaluation == SeriesEvaluation::series && nest_by != NestBy::domestic)
    table.fail("evaluation", "\"series\" needs nest_by = \"domestic\" (the expansion covers that nesting only)");
  return std::make_unique<NestedLogitDemand>(lambda, nest_by, evaluation);
});

}  // namespace
}  // namespace chipsim

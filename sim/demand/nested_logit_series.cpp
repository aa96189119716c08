#include "sim/demand/nested_logit_series.hpp"

#include <algorithm>
#include <cmath>

#include "sim/demand/buyer_blocks.hpp"
#include "sim/demand/logit_series_bins.hpp"

namespace chipsim {
using namespace series;
namespace {

// One bin's buyer moments for the nested logit ("other": the nest of products made elsewhere,
// "home": made in the buyer's country). Each nest's exponentials are shifted by the nest's own
// top_n, so a buyer's nest sum is D_in = exp(top_n) [g_i] core_in with core_in = coeff . phi_i
// summed over the nest (g_i cancels from within-nest shares). With T_b = max(0, lambda top_n),
//   Pi_in = exp(lambda (top_n + [ln g_i] + ln core_in) - T_b)   (D_in^lambda, scaled),
//   den_i = exp(-T_b) + Pi_i,other + Pi_i,home,   v_in = Pi_in / (core_in den_i),
// a share is s_ij = v_in coeff_j . phi_i and s_j|n = coeff_j . phi_i / core_in; v_in <= 1/core_in
// and core_in >= exp(-1) for the nest's best product, so no weight overflows. Moments:
//   l1_* = sum M v_n tau^m,  l2_* = sum M alpha v_n tau^m,
//   q_oo, q_hh, q_oh = sum M alpha (v_o^2, v_h^2, v_o v_h) tau^l,
//   r_o, r_h = sum M alpha (v_o / core_o, v_h / core_h) tau^l.
struct NestedMoments {
  Terms l1_other, l1_home, l2_other, l2_home;
  Moments q_oo, q_hh, q_oh, r_o, r_h;
  void reset() {
    for (Terms* t : {&l1_other, &l1_home, &l2_other, &l2_home}) t->setZero();
    for (Moments* q : {&q_oo, &q_hh, &q_oh, &r_o, &r_h}) q->setZero();
  }
  void add(const NestedMoments& o) {
    l1_other += o.l1_other;
    l1_home += o.l1_home;
    l2_other += o.l2_other;
    l2_home += o.l2_home;
    q_oo += o.q_oo;
    q_hh += o.q_hh;
    q_oh += o.q_oh;
    r_o += o.r_o;
    r_h += o.r_h;
  }
};

struct NestedPartial {
  std::vector<NestedMoments> bin;
};

struct NestedBinSums {
  Eigen::ArrayXd t1, t2, t3, t4, t5, t6;
};

}  // namespace

void nested_logit_series_pass(const MarketData& m, const OwnerGroupedRows& g, const LogitSeriesPlan& plan, double lambda,
                              bool allocation, NestedCountrySums& total, PricingTerms& out) {
  const int A = m.n_buyers(), P = static_cast<int>(g.product.size());
  const Bins all = all_bins(g, plan, allocation, true);
  // T_b: the largest scaled inclusive value a buyer of the bin can reach, or 0 (the outside option).
  std::vector<double> shift(static_cast<std::size_t>(plan.n_bins));
  for (std::size_t b = 0; b < shift.size(); ++b)
    shift[b] = std::max({0.0, lambda * all.products[b].top_other, lambda * all.products[b].top_home});

  std::vector<NestedMoments> moments(static_cast<std::size_t>(plan.n_bins));
  for (NestedMoments& nm : moments) nm.reset();
  over_buyer_blocks<NestedPartial>(
      A,
      [&](int first, int end, NestedPartial& acc) {
        acc.bin.resize(static_cast<std::size_t>(plan.n_bins));
        for (NestedMoments& nm : acc.bin) nm.reset();
        const BlockBuyers block(m, plan, all, first, end);
        const int n = end - first;
        // Nest sums first, then the scaled D^lambda for the whole block at once (vectorised).
        Eigen::ArrayXd core_other(n), core_home(n), arg_other(n), arg_home(n), outside(n);
        Moments phi;
        for (int t = 0; t < n; ++t) {
          const auto b = static_cast<std::size_t>(block.bin[static_cast<std::size_t>(t)]);
          const BinProducts& bp = all.products[b];
          powers(block.tau(t), phi);
          core_other(t) = std::max(0.0, phi.head<kTerms>().dot(bp.sum_other));
          core_home(t) = std::max(0.0, phi.head<kTerms>().dot(bp.sum_home));
          arg_other(t) = lambda * bp.top_other - shift[b];
          arg_home(t) = lambda * (bp.top_home + block.log_g(t)) - shift[b];
          outside(t) = -shift[b];
        }
        // An empty nest (core 0, top -inf) has Pi = 0.
        const Eigen::ArrayXd pi_other = (core_other > 0).select((arg_other + lambda * core_other.log()).exp(), 0.0);
        const Eigen::ArrayXd pi_home = (core_home > 0).select((arg_home + lambda * core_home.log()).exp(), 0.0);
        const Eigen::ArrayXd den = outside.exp() + pi_other + pi_home;
        for (int t = 0; t < n; ++t) {
          const int i = first + t;
          const int b = block.bin[static_cast<std::size_t>(t)];
          const BinProducts& bp = all.products[static_cast<std::size_t>(b)];
          const double inv_o = core_other(t) > 0 ? 1.0 / core_other(t) : 0.0;
          const double inv_h = core_home(t) > 0 ? 1.0 / core_home(t) : 0.0;
          const double v_o = pi_other(t) * inv_o / den(t), v_h = pi_home(t) * inv_h / den(t);
          powers(block.tau(t), phi);
          const auto head = phi.head<kTerms>();
          const double M = m.market_size(i), Ma = M * m.alpha(i);
          NestedMoments& nm = acc.bin[static_cast<std::size_t>(b)];
          nm.l1_other += (M * v_o) * head;
          nm.l1_home += (M * v_h) * head;
          nm.l2_other += (Ma * v_o) * head;
          nm.l2_home += (Ma * v_h) * head;
          nm.q_oo += (Ma * v_o * v_o) * phi;
          nm.q_hh += (Ma * v_h * v_h) * phi;
          nm.q_oh += (Ma * v_o * v_h) * phi;
          nm.r_o += (Ma * v_o * inv_o) * phi;
          nm.r_h += (Ma * v_h * inv_h) * phi;
          if (!allocation) continue;
          out.buyer_spend(i) = M * (v_o * head.dot(bp.spend_other) + v_h * head.dot(bp.spend_home));
          out.buyer_compute(i) = M * (v_o * head.dot(bp.compute_other) + v_h * head.dot(bp.compute_home));
          out.buyer_domestic_units(i) = M * v_h * head.dot(bp.domestic);
        }
      },
      [&](const NestedPartial& acc) {
        for (std::size_t b = 0; b < moments.size(); ++b) moments[b].add(acc.bin[b]);
      },
      kSeriesBuyersPerBlock);

  const std::vector<int> owner_of = owner_segments(g);
  std::vector<NestedBinSums> sums(static_cast<std::size_t>(plan.n_bins));
  for_each_bin(plan.n_bins, [&](int b) {
    const int c = all.country[static_cast<std::size_t>(b)];
    const BinProducts& bp = all.products[static_cast<std::size_t>(b)];
    const NestedMoments& nm = moments[static_cast<std::size_t>(b)];
    NestedBinSums& sb = sums[static_cast<std::size_t>(b)];
    for (Eigen::ArrayXd* a : {&sb.t1, &sb.t2, &sb.t3, &sb.t4, &sb.t5, &sb.t6}) a->resize(P);
    const Hankel h_oo = hankel(nm.q_oo), h_hh = hankel(nm.q_hh), h_oh = hankel(nm.q_oh);
    const Hankel r_o = hankel(nm.r_o), r_h = hankel(nm.r_h);
    // F terms (all of the owner's products) and H terms (the owner's products in j's nest).
    const TermMatrix firm_other = h_oo * bp.margin_other + h_oh * bp.margin_home;
    const TermMatrix firm_home = h_oh * bp.margin_other + h_hh * bp.margin_home;
    const TermMatrix group_other = r_o * bp.margin_other, group_home = r_h * bp.margin_home;
    for (int k = 0; k < P; ++k) {
      const Terms a = bp.coeff.col(k);
      const auto f = static_cast<Eigen::Index>(owner_of[static_cast<std::size_t>(k)]);
      const bool home = g.rows.home(c, k) > 0;
      sb.t1(k) = a.dot(home ? nm.l1_home : nm.l1_other);
      sb.t2(k) = a.dot(home ? nm.l2_home : nm.l2_other);
      sb.t3(k) = a.dot(home ? firm_home.col(f) : firm_other.col(f));
      const Terms qa = (home ? h_hh : h_oo) * a;
      sb.t4(k) = a.dot(qa);
      sb.t5(k) = a.dot(home ? group_home.col(f) : group_other.col(f));
      const Terms ra = (home ? r_h : r_o) * a;
      sb.t6(k) = a.dot(ra);
    }
  });
  for (int b = 0; b < plan.n_bins; ++b) {
    const int c = all.country[static_cast<std::size_t>(b)];
    const NestedBinSums& sb = sums[static_cast<std::size_t>(b)];
    total.t1.row(c) += sb.t1.transpose();
    total.t2.row(c) += sb.t2.transpose();
    total.t3.row(c) += sb.t3.transpose();
    total.t4.row(c) += sb.t4.transpose();
    total.t5.row(c) += sb.t5.transpose();
    total.t6.row(c) += sb.t6.transpose();
  }
}

}  // namespace chipsim

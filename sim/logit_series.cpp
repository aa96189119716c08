#include "sim/logit_series.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/buyer_blocks.hpp"

namespace chipsim {
namespace {

// Terms of the expansion: degrees 0..15. With |z| <= 1/2 the first omitted term is at most
// (1/2)^16 / 16! = 7e-19, against a sum of at least exp(-1/2): below the rounding of a double.
constexpr int kTerms = 16;
constexpr int kMoments = 2 * kTerms;  // squares of shares need tau^0 .. tau^30 (one more pads to 32)
constexpr double kMaxArgument = 0.5;      // the bins keep |z| = r_b x_cj at most this
// Buyers per block of the parallel pass: each block keeps every bin's moments (160 doubles a
// bin), so blocks are larger than the direct pass's.
constexpr int kSeriesBuyersPerBlock = 8192;
// As in the direct pass: exponents are raised to this so that no subnormal numbers appear.
constexpr double kExpArgumentFloor = -700.0;
// The logit pass shifts a bin's exponents by one bound, which uses the country's largest home
// bias; a buyer with a far lower one has a denominator down to ~exp(-(h_max - h_i) - 1), and the
// pass squares its inverse. The expansion applies while the country's (scaled) home biases lie
// within this many utils of each other, so that nothing overflows (e^(2 x 301) < 1.8e308) and the
// exponent floor (-700 below the bin's bound) never matters; scenarios allow [-100, 100]. The
// nested pass shifts each nest by its own largest exponent and has no such limit.
constexpr double kMaxHomeBiasSpread = 300.0;
// Multiply-adds per buyer and per bin-product (the cost model that picks an evaluation):
// powers of tau, two dot products and seven moment sums; a product's coefficients, two Hankel
// products and four dot products.
constexpr double kSeriesBuyerCost = 2.0 * kMoments + 2.0 * kTerms + 4.0 * kTerms + 3.0 * kMoments;
constexpr double kSeriesBinProductCost = 2.0 * kTerms * kTerms + 6.0 * kTerms;
// The direct pass: one exponential (about 20 multiply-adds) and about 10 more per cell.
constexpr double kDirectCellCost = 30.0;

using Terms = Eigen::Matrix<double, kTerms, 1>;
using Moments = Eigen::Matrix<double, kMoments, 1>;
using TermMatrix = Eigen::Matrix<double, kTerms, Eigen::Dynamic>;  // one column per product or firm
using Hankel = Eigen::Matrix<double, kTerms, kTerms>;

// The product side of one bin of country c. With the scaled exponentials
//   e~_ij = exp(u_ij - U_b) = [home_cj ? g_i : 1] coeff_j . (1, tau_i, tau_i^2, ...),
//   g_i = exp(h_i - h_max),  coeff_jm = E_j (-z_j)^m / m!,
//   E_j = exp(delta_j + shift_cj + h_max home_cj - a_b x_cj - U_b),
// a buyer's share is s_ij = e~_ij / (exp(-U_b) + sum_k e~_ik). U_b bounds the largest scaled
// exponent by 1 (and is >= 0, as the direct pass's shift), so nothing overflows.
struct BinProducts {
  double centre = 0;      // a_b, utils per USD
  double inv_radius = 0;  // 1 / r_b (0 when all the bin's buyers share one alpha)
  double top = 0;         // U_b
  double outside = 1;     // exp(-U_b)
  // Shifts of the products made elsewhere / in c (both U_b, unless shifted by nest: then each
  // nest's own largest exponent, -inf for an empty nest; the nested logit's weights then stay
  // bounded however far one nest lies below the other).
  double top_other = 0, top_home = 0;
  TermMatrix coeff;       // kTerms x P
  Terms sum_other, sum_home;               // coeff summed over products made elsewhere / in c
  TermMatrix margin_other, margin_home;    // kTerms x owners: sum over the owner's products of unit_margin x coeff
  Terms spend_other, spend_home;           // allocation: sum of delivered x buyer price x coeff
  Terms compute_other, compute_home;       // allocation: sum of delivered x performance x coeff
  Terms domestic;                          // allocation: sum over home products of delivered x coeff
};

// One bin's buyer moments, weights w1 = M_i / den_i, w2 = alpha_i w1, w4 = w2 / den_i:
//   m1_* = sum w1 [g_i] tau^m,  m2_* = sum w2 [g_i] tau^m,  q0,q1,q2 = sum w4 g_i^{0,1,2} tau^l.
struct BinMoments {
  Terms m1_other, m1_home, m2_other, m2_home;
  Moments q0, q1, q2;
  void reset() {
    for (Terms* t : {&m1_other, &m1_home, &m2_other, &m2_home}) t->setZero();
    for (Moments* q : {&q0, &q1, &q2}) q->setZero();
  }
  void add(const BinMoments& o) {
    m1_other += o.m1_other;
    m1_home += o.m1_home;
    m2_other += o.m2_other;
    m2_home += o.m2_home;
    q0 += o.q0;
    q1 += o.q1;
    q2 += o.q2;
  }
};

// One bin's share of the country sums (P each).
struct BinSums {
  Eigen::ArrayXd s1, s2, s3, s4;
};

// body(b) for every bin, in parallel; each writes only its own bin's slots, so the result does
// not depend on the threads. Isolated like over_buyer_blocks (sim/buyer_blocks.hpp).
template <class Body>
void for_each_bin(int n_bins, Body&& body) {
  tbb::task_group_context isolated(tbb::task_group_context::isolated);
  tbb::parallel_for(
      tbb::blocked_range<int>(0, n_bins, 1),
      [&](const tbb::blocked_range<int>& range) {
        for (int b = range.begin(); b != range.end(); ++b) body(b);
      },
      tbb::simple_partitioner(), isolated);
}

struct SeriesPartial {
  std::vector<BinMoments> bin;
};

// H_mn = q_{m+n}: sum_i w_i (a . phi_i)(b . phi_i) = a' H b for phi_i = (1, tau_i, ...).
Hankel hankel(const Moments& q) {
  Hankel h;
  for (int m = 0; m < kTerms; ++m)
    for (int n = 0; n < kTerms; ++n) h(m, n) = q(m + n);
  return h;
}

// Utilities are scaled by plan.utility_scale (1 for the logit, 1/lambda for the nested logit's
// exp(V / lambda)).
// tau^0 .. tau^31 by doubling blocks, tau^(l + 2^s) = tau^l tau^(2^s): a chain of depth 5, not 31.
inline void powers(double tau, Moments& phi) {
  phi(0) = 1.0;
  phi(1) = tau;
  const double t2 = tau * tau, t4 = t2 * t2, t8 = t4 * t4, t16 = t8 * t8;
  phi.segment<2>(2) = phi.head<2>() * t2;
  phi.segment<4>(4) = phi.head<4>() * t4;
  phi.segment<8>(8) = phi.head<8>() * t8;
  phi.segment<16>(16) = phi.head<16>() * t16;
}

BinProducts bin_products(const OwnerGroupedRows& g, const LogitSeriesPlan& plan, const LogitSeriesCountry& cb, int c, int b,
                         bool allocation, bool shift_by_nest) {
  const double scale = plan.utility_scale;
  const int P = static_cast<int>(g.product.size());
  const int F = static_cast<int>(g.segment.size()) - 1;
  BinProducts bp;
  const double radius = 0.5 * cb.bin_width;  // in alpha; the expansion's z is radius x scale
  bp.centre = cb.alpha_low + (b + 0.5) * cb.bin_width;
  bp.inv_radius = radius > 0 && std::isfinite(1.0 / radius) ? 1.0 / radius : 0.0;  // alphas ~1e-308 apart: one
  // U_b: the largest exponent any buyer of the bin can reach (h_i <= h_max, |tau z| <= |z|).
  double top = 0, top_other = -std::numeric_limits<double>::infinity(), top_home = top_other;
  for (int k = 0; k < P; ++k)
    if (g.rows.avail(c, k) > 0) {
      const double reach = scale * (g.base(c, k) + cb.home_bias_max * g.rows.home(c, k) - bp.centre * g.price_utility(c, k) +
                                    radius * std::abs(g.price_utility(c, k)));
      top = std::max(top, reach);
      double& nest_top = g.rows.home(c, k) > 0 ? top_home : top_other;
      nest_top = std::max(nest_top, reach);
    }
  bp.top = top;
  bp.outside = std::exp(-top);
  bp.top_other = shift_by_nest ? top_other : top;
  bp.top_home = shift_by_nest ? top_home : top;
  bp.coeff.setZero(kTerms, P);
  for (int k = 0; k < P; ++k) {
    if (!(g.rows.avail(c, k) > 0)) continue;  // masked: exactly zero
    const double x = g.price_utility(c, k), z = scale * radius * x;
    const double v = scale * (g.base(c, k) + cb.home_bias_max * g.rows.home(c, k) - bp.centre * x) -
                     (g.rows.home(c, k) > 0 ? bp.top_home : bp.top_other);
    double term = std::exp(std::max(v, kExpArgumentFloor));
    for (int m = 0; m < kTerms; ++m) {
      bp.coeff(m, k) = term;
      term *= -z / (m + 1);
    }
  }
  bp.sum_other.setZero();
  bp.sum_home.setZero();
  bp.margin_other.setZero(kTerms, F);
  bp.margin_home.setZero(kTerms, F);
  for (Terms* t : {&bp.spend_other, &bp.spend_home, &bp.compute_other, &bp.compute_home, &bp.domestic}) t->setZero();
  for (int f = 0; f < F; ++f)
    for (int k = g.segment[static_cast<std::size_t>(f)]; k < g.segment[static_cast<std::size_t>(f) + 1]; ++k) {
      const bool home = g.rows.home(c, k) > 0;
      const auto a = bp.coeff.col(k);
      (home ? bp.sum_home : bp.sum_other) += a;
      (home ? bp.margin_home : bp.margin_other).col(f) += g.unit_margin(c, k) * a;
      if (!allocation) continue;
      const double delivered = g.delivered_per_choice(k);
      (home ? bp.spend_home : bp.spend_other) += (delivered * g.rows.buyer_price(c, k)) * a;
      (home ? bp.compute_home : bp.compute_other) += (delivered * g.performance(k)) * a;
      if (home) bp.domestic += delivered * a;
    }
  return bp;
}

// Every bin's country and product side (bins in parallel).
struct Bins {
  std::vector<int> country;          // of each bin
  std::vector<BinProducts> products; // of each bin
};

Bins all_bins(const OwnerGroupedRows& g, const LogitSeriesPlan& plan, bool allocation, bool shift_by_nest) {
  Bins all;
  all.country.resize(static_cast<std::size_t>(plan.n_bins));
  for (std::size_t c = 0; c < plan.country.size(); ++c) {
    const LogitSeriesCountry& cb = plan.country[c];
    for (int b = 0; b < cb.n_bins; ++b) all.country[static_cast<std::size_t>(cb.first_bin + b)] = static_cast<int>(c);
  }
  all.products.resize(static_cast<std::size_t>(plan.n_bins));
  for_each_bin(plan.n_bins, [&](int b) {
    const int c = all.country[static_cast<std::size_t>(b)];
    const LogitSeriesCountry& cb = plan.country[static_cast<std::size_t>(c)];
    all.products[static_cast<std::size_t>(b)] = bin_products(g, plan, cb, c, b - cb.first_bin, allocation, shift_by_nest);
  });
  return all;
}

// A block's buyers: their bins, tau and home-bias factors g_i = exp(log_g_i), the exponentials
// vectorised.
struct BlockBuyers {
  std::vector<int> bin;
  Eigen::ArrayXd tau, log_g, g;
  BlockBuyers(const MarketData& m, const LogitSeriesPlan& plan, const Bins& bins, int first, int end)
      : bin(static_cast<std::size_t>(end - first)), tau(end - first), log_g(end - first), g(end - first) {
    for (int t = 0; t < end - first; ++t) {
      const int i = first + t;
      const LogitSeriesCountry& cb = plan.country[static_cast<std::size_t>(m.buyer_country[i])];
      const int b = cb.first_bin + cb.bin_of(m.alpha(i));
      const BinProducts& bp = bins.products[static_cast<std::size_t>(b)];
      bin[static_cast<std::size_t>(t)] = b;
      tau(t) = (m.alpha(i) - bp.centre) * bp.inv_radius;
      log_g(t) = plan.utility_scale * (m.home_bias(i) - cb.home_bias_max);
    }
    g = log_g.max(kExpArgumentFloor).exp();
  }
};

// Position in owner-grouped order -> index of the owner's segment.
std::vector<int> owner_segments(const OwnerGroupedRows& g) {
  std::vector<int> owner_of(g.product.size());
  for (std::size_t f = 0; f + 1 < g.segment.size(); ++f)
    for (int k = g.segment[f]; k < g.segment[f + 1]; ++k) owner_of[static_cast<std::size_t>(k)] = static_cast<int>(f);
  return owner_of;
}

}  // namespace

std::optional<LogitSeriesPlan> plan_logit_series(const MarketData& m, const OwnerGroupedRows& g, int max_bins,
                                                 double utility_scale, bool shift_by_nest) {
  if (!(utility_scale > 0) || !std::isfinite(utility_scale)) return std::nullopt;
  const int A = m.n_buyers(), C = m.n_countries, P = m.n_products();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> low(static_cast<std::size_t>(C), inf), high(static_cast<std::size_t>(C), -inf),
      bias(static_cast<std::size_t>(C), -inf), bias_low(static_cast<std::size_t>(C), inf);
  for (int i = 0; i < A; ++i) {
    const double a = m.alpha(i), h = m.home_bias(i);
    if (!std::isfinite(a) || !std::isfinite(h) || !std::isfinite(m.market_size(i))) return std::nullopt;
    const auto c = static_cast<std::size_t>(m.buyer_country[i]);
    low[c] = std::min(low[c], a);
    high[c] = std::max(high[c], a);
    bias[c] = std::max(bias[c], h);
    bias_low[c] = std::min(bias_low[c], h);
  }
  LogitSeriesPlan plan;
  plan.utility_scale = utility_scale;
  plan.country.resize(static_cast<std::size_t>(C));
  for (int c = 0; c < C; ++c) {
    LogitSeriesCountry& cb = plan.country[static_cast<std::size_t>(c)];
    cb.first_bin = plan.n_bins;
    if (!(low[static_cast<std::size_t>(c)] <= high[static_cast<std::size_t>(c)])) continue;  // no buyers
    if (!shift_by_nest &&
        utility_scale * (bias[static_cast<std::size_t>(c)] - bias_low[static_cast<std::size_t>(c)]) > kMaxHomeBiasSpread)
      return std::nullopt;
    double reach = 0;  // largest |x_cj| the country's buyers face, USD
    for (int k = 0; k < P; ++k)
      if (g.rows.avail(c, k) > 0) {
        if (!std::isfinite(g.price_utility(c, k)) || !std::isfinite(g.base(c, k)) || !std::isfinite(g.unit_margin(c, k)))
          return std::nullopt;
        reach = std::max(reach, std::abs(g.price_utility(c, k)));
      }
    cb.alpha_low = low[static_cast<std::size_t>(c)];
    cb.home_bias_max = bias[static_cast<std::size_t>(c)];
    const double spread = high[static_cast<std::size_t>(c)] - cb.alpha_low;
    const double needed = spread * reach * utility_scale / (2 * kMaxArgument);
    if (!(needed <= max_bins - plan.n_bins)) return std::nullopt;
    cb.n_bins = std::max(1, static_cast<int>(std::ceil(needed)));
    cb.bin_width = spread / cb.n_bins;
    cb.inv_bin_width = cb.bin_width > 0 ? 1.0 / cb.bin_width : 0.0;
    if (!std::isfinite(cb.inv_bin_width)) cb.bin_width = cb.inv_bin_width = 0;  // a subnormal spread: one alpha
    plan.n_bins += cb.n_bins;
    if (plan.n_bins > max_bins) return std::nullopt;
  }
  const double owners = static_cast<double>(g.segment.size()) - 1;
  plan.cost = A * kSeriesBuyerCost + plan.n_bins * (P * kSeriesBinProductCost + owners * 4.0 * kTerms * kTerms);
  return plan;
}

double logit_direct_cost(const MarketData& m) {
  return static_cast<double>(m.n_buyers()) * static_cast<double>(m.n_products()) * kDirectCellCost;
}

void logit_series_pass(const MarketData& m, const OwnerGroupedRows& g, const LogitSeriesPlan& plan, bool allocation,
                       LogitCountrySums& total, PricingTerms& out) {
  const int A = m.n_buyers(), C = m.n_countries, P = static_cast<int>(g.product.size());
  const Bins all = all_bins(g, plan, allocation, false);
  const std::vector<int>& bin_country = all.country;
  const std::vector<BinProducts>& bins = all.products;

  // Buyers: their bin's moments, in fixed blocks folded in order.
  std::vector<BinMoments> moments(static_cast<std::size_t>(plan.n_bins));
  for (BinMoments& bm : moments) bm.reset();
  over_buyer_blocks<SeriesPartial>(
      A,
      [&](int first, int end, SeriesPartial& acc) {
        acc.bin.resize(static_cast<std::size_t>(plan.n_bins));
        for (BinMoments& bm : acc.bin) bm.reset();
        const BlockBuyers block(m, plan, all, first, end);
        Moments phi;
        for (int t = 0; t < end - first; ++t) {
          const int i = first + t;
          const int b = block.bin[static_cast<std::size_t>(t)];
          const BinProducts& bp = bins[static_cast<std::size_t>(b)];
          const double gi = block.g(t);
          powers(block.tau(t), phi);
          const auto head = phi.head<kTerms>();
          const double inv = 1.0 / (bp.outside + head.dot(bp.sum_other) + gi * head.dot(bp.sum_home));
          const double M = m.market_size(i);
          const double w1 = M * inv, w2 = m.alpha(i) * w1, w4 = w2 * inv;
          BinMoments& bm = acc.bin[static_cast<std::size_t>(b)];
          bm.m1_other += w1 * head;
          bm.m1_home += (w1 * gi) * head;
          bm.m2_other += w2 * head;
          bm.m2_home += (w2 * gi) * head;
          bm.q0 += w4 * phi;
          bm.q1 += (w4 * gi) * phi;
          bm.q2 += (w4 * gi * gi) * phi;
          if (!allocation) continue;
          out.buyer_spend(i) = w1 * (head.dot(bp.spend_other) + gi * head.dot(bp.spend_home));
          out.buyer_compute(i) = w1 * (head.dot(bp.compute_other) + gi * head.dot(bp.compute_home));
          out.buyer_domestic_units(i) = w1 * gi * head.dot(bp.domestic);
        }
      },
      [&](const SeriesPartial& acc) {
        for (std::size_t b = 0; b < moments.size(); ++b) moments[b].add(acc.bin[b]);
      },
      kSeriesBuyersPerBlock);

  // Products: each bin's share of the country sums (in parallel), added up in bin order.
  const std::vector<int> owner_of = owner_segments(g);
  std::vector<BinSums> sums(static_cast<std::size_t>(plan.n_bins));
  for_each_bin(plan.n_bins, [&](int b) {
    const int c = bin_country[static_cast<std::size_t>(b)];
    const BinProducts& bp = bins[static_cast<std::size_t>(b)];
    const BinMoments& bm = moments[static_cast<std::size_t>(b)];
    BinSums& out_b = sums[static_cast<std::size_t>(b)];
    for (Eigen::ArrayXd* a : {&out_b.s1, &out_b.s2, &out_b.s3, &out_b.s4}) a->resize(P);
    const Hankel h0 = hankel(bm.q0), h1 = hankel(bm.q1), h2 = hankel(bm.q2);
    // G terms by owner, for products made elsewhere (weights 1, g) and in c (g, g^2).
    const TermMatrix firm_other = h0 * bp.margin_other + h1 * bp.margin_home;
    const TermMatrix firm_home = h1 * bp.margin_other + h2 * bp.margin_home;
    for (int k = 0; k < P; ++k) {
      const Terms a = bp.coeff.col(k);
      const auto f = static_cast<Eigen::Index>(owner_of[static_cast<std::size_t>(k)]);
      const bool home = g.rows.home(c, k) > 0;
      out_b.s1(k) = a.dot(home ? bm.m1_home : bm.m1_other);
      out_b.s2(k) = a.dot(home ? bm.m2_home : bm.m2_other);
      out_b.s3(k) = a.dot(home ? firm_home.col(f) : firm_other.col(f));
      const Terms ha = (home ? h2 : h0) * a;
      out_b.s4(k) = a.dot(ha);
    }
  });
  for (int b = 0; b < plan.n_bins; ++b) {
    const int c = bin_country[static_cast<std::size_t>(b)];
    const BinSums& sb = sums[static_cast<std::size_t>(b)];
    total.s1.row(c) += sb.s1.transpose();
    total.s2.row(c) += sb.s2.transpose();
    total.s3.row(c) += sb.s3.transpose();
    total.s4.row(c) += sb.s4.transpose();
  }
  if (allocation)
    for (int c = 0; c < C; ++c) total.units.row(c) = total.s1.row(c) * g.delivered_per_choice;
}

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

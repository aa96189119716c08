#include "sim/demand/logit_series.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "sim/demand/buyer_blocks.hpp"
#include "sim/demand/logit_series_bins.hpp"
#include "sim/scenario/table_reader.hpp"

namespace chipsim {
using namespace series;
namespace {

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

struct SeriesPartial {
  std::vector<BinMoments> bin;
};

// Utilities are scaled by plan.utility_scale (1 for the logit, 1/lambda for the nested logit's
// exp(V / lambda)).
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

}  // namespace

namespace series {

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

BlockBuyers::BlockBuyers(const MarketData& m, const LogitSeriesPlan& plan, const Bins& bins, int first, int end)
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


std::vector<int> owner_segments(const OwnerGroupedRows& g) {
  std::vector<int> owner_of(g.product.size());
  for (std::size_t f = 0; f + 1 < g.segment.size(); ++f)
    for (int k = g.segment[f]; k < g.segment[f + 1]; ++k) owner_of[static_cast<std::size_t>(k)] = static_cast<int>(f);
  return owner_of;
}

}  // namespace series

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

SeriesEvaluation read_series_evaluation(TableReader& demand_table) {
  const std::string evaluation = demand_table.optional_string("evaluation").value_or("auto");
  if (evaluation == "direct") return SeriesEvaluation::direct;
  if (evaluation == "series") return SeriesEvaluation::series;
  if (evaluation != "auto")
    demand_table.fail("evaluation", "must be \"auto\", \"direct\" or \"series\", got \"" + evaluation + "\"");
  return SeriesEvaluation::automatic;
}

bool series_may_pay(SeriesEvaluation evaluation, const MarketData& m) {
  if (evaluation == SeriesEvaluation::direct) return false;
  if (evaluation == SeriesEvaluation::series) return true;
  // The plan's cost with a single bin: a lower bound of LogitSeriesPlan::cost.
  const int A = m.n_buyers();
  const double least = A * kSeriesBuyerCost + (A > 0 ? m.n_products() * kSeriesBinProductCost : 0.0);
  return least < logit_direct_cost(m);
}

std::optional<LogitSeriesPlan> choose_series(SeriesEvaluation evaluation, const MarketData& m, const OwnerGroupedRows& g,
                                             double utility_scale, bool shift_by_nest) {
  if (!series_may_pay(evaluation, m)) return std::nullopt;
  auto plan = plan_logit_series(m, g, kMaxSeriesBins, utility_scale, shift_by_nest);
  if (plan && evaluation == SeriesEvaluation::automatic && !(plan->cost < logit_direct_cost(m))) return std::nullopt;
  return plan;
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
          // The scaled denominator is exp(-U_b) (1 + sum_j exp(u_ij)) (BinProducts), for the logit's scale 1.
          if (out.buyer_log_sum.size() == A) out.buyer_log_sum(i) = plan.utility_scale == 1.0 ? bp.top - std::log(inv) : std::nan("");
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

}  // namespace chipsim

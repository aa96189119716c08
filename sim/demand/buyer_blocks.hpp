#pragma once
// The deterministic parallel pass over buyers shared by the demand models: buyers are
// processed in fixed blocks (kBuyersPerBlock) in parallel, each block summing into its own
// partial, and the partials are folded in block order. Floating-point sums are therefore added
// in the same order whatever the number of threads: results are bit-identical.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_group.h>

#include <Eigen/Core>
#include <algorithm>
#include <vector>

#include "sim/demand/demand_model.hpp"

namespace chipsim {

inline constexpr int kBuyersPerBlock = 256;

// Runs body(first_buyer, end_buyer, partial) for every block in parallel, then fold(partial)
// for every block in order. The block size is part of the result (it fixes the order of the
// sums), never of the thread count. `single`, if given, is the partial of a one-block pass
// (kept by the caller between passes, so that a small market allocates nothing per pass).
template <class Partial, class Body, class Fold>
void over_buyer_blocks(int n_buyers, Body&& body, Fold&& fold, int buyers_per_block = kBuyersPerBlock,
                       Partial* single = nullptr) {
  const int n_blocks = (n_buyers + buyers_per_block - 1) / buyers_per_block;
  if (n_blocks == 1) {  // a small market: no tasks at all (batches run many of these side by side)
    Partial local;
    Partial& only = single ? *single : local;
    body(0, n_buyers, only);
    fold(only);
    return;
  }
  std::vector<Partial> partial(static_cast<std::size_t>(n_blocks));
  // Isolated: a cancellation of the caller's work (another run of a batch failing) must not
  // leave blocks unsummed; the pass always completes.
  tbb::task_group_context isolated(tbb::task_group_context::isolated);
  tbb::parallel_for(
      tbb::blocked_range<int>(0, n_blocks, 1),
      [&](const tbb::blocked_range<int>& range) {
        for (int b = range.begin(); b != range.end(); ++b)
          body(b * buyers_per_block, std::min(n_buyers, (b + 1) * buyers_per_block), partial[static_cast<std::size_t>(b)]);
      },
      tbb::simple_partitioner(), isolated);
  for (const Partial& p : partial) fold(p);
}

// Per-block sums of the Bertrand-Nash terms (P) and of delivered units by destination (P x C).
struct PricingPartial {
  Eigen::ArrayXd quantity, slope, slope_net, foc_rest, own_derivative;
  Eigen::ArrayXXd units_to;

  void reset(int P, int C, bool allocation) {
    quantity.setZero(P);
    slope.setZero(P);
    slope_net.setZero(P);
    foc_rest.setZero(P);
    own_derivative.setZero(P);
    if (allocation) units_to.setZero(P, C);
  }
  void add_to(PricingTerms& out, bool allocation) const {
    out.quantity += quantity.matrix();
    out.slope += slope.matrix();
    out.slope_net += slope_net.matrix();
    out.foc_rest += foc_rest.matrix();
    out.own_derivative += own_derivative.matrix();
    if (allocation) out.units_to += units_to;
  }
};

// Zeroes the outputs of a pricing pass (per-buyer allocation fields too, when requested).
// cross_terms: the model fills PricingTerms::cross_left/right itself (else they are emptied).
inline void start_pricing_terms(PricingTerms& out, int A, int P, int C, bool allocation, bool cross_terms = false) {
  out.quantity.setZero(P);
  out.slope.setZero(P);
  out.slope_net.setZero(P);
  out.foc_rest.setZero(P);
  out.own_derivative.setZero(P);
  if (!cross_terms) {
    out.cross_left.resize(0, 0);
    out.cross_right.resize(0, 0);
  }
  if (!allocation) return;
  out.units_to.setZero(P, C);
  out.buyer_spend.setZero(A);
  out.buyer_compute.setZero(A);
  out.buyer_domestic_units.setZero(A);
}

// Units actually delivered to buyer i of country c: its demand row scaled by each product's
// rationing factor; adds them to units_to and fills the buyer's spending, compute and
// domestic units (buyer_price and home are the country's rows).
template <class Demand, class PriceRow, class HomeRow>
void deliver(const MarketData& m, const Eigen::VectorXd& rationing, int i, int c, const Demand& demand,
             const PriceRow& buyer_price, const HomeRow& home, Eigen::ArrayXXd& units_to, PricingTerms& out) {
  const Eigen::Array<double, 1, Eigen::Dynamic> bought = demand * rationing.transpose().array();
  units_to.col(c) += bought.transpose();
  out.buyer_spend(i) = (bought * buyer_price).sum();
  out.buyer_compute(i) = (bought * m.performance.transpose().array()).sum();
  out.buyer_domestic_units(i) = (bought * home).sum();
}

}  // namespace chipsim

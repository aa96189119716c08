#pragma once
// The bins of the expansion in the buyers' price sensitivity (sim/demand/logit_series.hpp), shared by
// the logit's and the nested logit's passes (sim/demand/logit_series.cpp, sim/demand/nested_logit_series.cpp):
// constants, each bin's product side, the block-wise buyer set-up and the small helpers.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_group.h>

#include <Eigen/Core>
#include <vector>

#include "sim/demand/logit_series.hpp"

namespace chipsim::series {

// Terms of the expansion: degrees 0..15. With |z| <= 1/2 the first omitted term is at most
// (1/2)^16 / 16! = 7e-19, against a sum of at least exp(-1/2): below the rounding of a double.
constexpr int kTerms = 16;
constexpr int kMoments = 2 * kTerms;  // squares of shares need tau^0 .. tau^30 (one more pads to 32)
constexpr double kMaxArgument = 0.5;      // the bins keep |z| = r_b x_cj at most this
// Buyers per block of the parallel pass: each block keeps every bin's moments (160 doubles a
// bin for the logit, 224 for the nested logit), so blocks are larger than the direct pass's.
constexpr int kSeriesBuyersPerBlock = 8192;
// As in the direct pass: exponents are raised to this so that no subnormal numbers appear.
constexpr double kExpArgumentFloor = -700.0;

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

// body(b) for every bin, in parallel; each writes only its own bin's slots, so the result does
// not depend on the threads. Isolated like over_buyer_blocks (sim/demand/buyer_blocks.hpp).
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

// H_mn = q_{m+n}: sum_i w_i (a . phi_i)(b . phi_i) = a' H b for phi_i = (1, tau_i, ...).
inline Hankel hankel(const Moments& q) {
  Hankel h;
  for (int m = 0; m < kTerms; ++m)
    for (int n = 0; n < kTerms; ++n) h(m, n) = q(m + n);
  return h;
}

// tau^0 .. tau^31 by doubling blocks, tau^(l + 2^s) = tau^l tau^(2^s): a chain of depth 5, not 31.
[[gnu::always_inline]] inline void powers(double tau, Moments& phi) {
  phi(0) = 1.0;
  phi(1) = tau;
  const double t2 = tau * tau, t4 = t2 * t2, t8 = t4 * t4, t16 = t8 * t8;
  phi.segment<2>(2) = phi.head<2>() * t2;
  phi.segment<4>(4) = phi.head<4>() * t4;
  phi.segment<8>(8) = phi.head<8>() * t8;
  phi.segment<16>(16) = phi.head<16>() * t16;
}

// Every bin's country and product side (bins in parallel).
struct Bins {
  std::vector<int> country;          // of each bin
  std::vector<BinProducts> products; // of each bin
};

// Every bin's product side, in parallel. shift_by_nest: each nest (products made in the bin's
// country / elsewhere) shifted by its own largest exponent (the nested logit) instead of one
// shift for the bin (the logit).
Bins all_bins(const OwnerGroupedRows& g, const LogitSeriesPlan& plan, bool allocation, bool shift_by_nest);

// A block's buyers: their bins, tau and home-bias factors g_i = exp(log_g_i), the exponentials
// vectorised.
struct BlockBuyers {
  std::vector<int> bin;
  Eigen::ArrayXd tau, log_g, g;
  BlockBuyers(const MarketData& m, const LogitSeriesPlan& plan, const Bins& bins, int first, int end);
};

// Position in owner-grouped order -> index of the owner's segment.
std::vector<int> owner_segments(const OwnerGroupedRows& g);

}  // namespace chipsim::series

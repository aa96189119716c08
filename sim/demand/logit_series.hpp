#pragma once
// The logit pricing pass evaluated without one exponential per buyer and product
// (docs/MODEL_NOTES.md, "Evaluating the logit pass"). The only buyer-specific terms of the
// utility u_ij = delta_j + shift_cj + h_i home_cj - alpha_i x_cj (x_cj = n_j (1 + tariff_cj) p_j)
// are the home bias h_i, which multiplies a 0/1 column, and the price sensitivity alpha_i. The
// buyers of a country are put in bins of alpha narrow enough that, around the bin's centre a_b,
//     exp(-(alpha_i - a_b) x_cj) = sum_{m < 16} (-z_bj)^m / m! tau_i^m,
//     tau_i = (alpha_i - a_b) / r_b in [-1, 1],  z_bj = r_b x_cj,  |z_bj| <= 1/2,
// whose truncation error is at most ~2e-18 of the sum (the first omitted term is (1/2)^16 / 16!
// = 7e-19 of a sum >= exp(-1/2)), below the rounding of a double. The alternating terms amplify
// rounding by at most e (sums of shares) or e^2 (sums of squares), so the two evaluations agree
// to ~1e-14 relative (the tests measure 1e-15 to 3e-14). Every sum of the pass over buyers
// then becomes a sum over a bin's moments sum_i w_i tau_i^l of a few buyer weights: O(A) work for the buyers and O(bins x P) for the
// products, instead of O(A x P) exponentials. Results agree with the direct pass to rounding
// (tests/sim/test_logit_series.cpp) and are bit-identical for any thread count.
#include <algorithm>
#include <optional>
#include <vector>

#include "sim/demand/demand_model.hpp"
#include "sim/demand/logit_rows.hpp"

namespace chipsim {

class TableReader;

// How a country's buyers are binned at given prices.
struct LogitSeriesCountry {
  double alpha_low = 0;    // smallest alpha_i of the country's buyers, utils per USD
  double bin_width = 0;    // width of a bin in alpha (0: one bin), utils per USD
  double home_bias_max = 0;// largest h_i of the country's buyers, utils
  double inv_bin_width = 0;// 1 / bin_width (0: one bin), USD per util
  int n_bins = 0;          // 0 when the country has no buyers
  int first_bin = 0;       // index of its first bin among all countries' bins
  int bin_of(double alpha) const {  // alpha within [alpha_low, alpha_low + n_bins bin_width]
    if (!(inv_bin_width > 0)) return 0;
    return std::clamp(static_cast<int>((alpha - alpha_low) * inv_bin_width), 0, n_bins - 1);
  }
};

struct LogitSeriesPlan {
  std::vector<LogitSeriesCountry> country;
  double utility_scale = 1;  // exponentials of utility_scale x V: 1 (logit), 1 / lambda (nested logit)
  int n_bins = 0;
  // Estimated cost in multiply-adds, to choose between the expansion and the direct pass.
  double cost = 0;
};

// The bins for these prices, or nothing where the expansion does not apply: non-finite prices,
// utilities or buyer parameters, home biases within a country more than 300 (scaled) utils apart
// unless shift_by_nest (the nested pass; see kMaxHomeBiasSpread), or more than max_bins bins in
// all (sum over countries of ceil(alpha spread x largest price term), the price sensitivities
// spread too widely for the prices).
std::optional<LogitSeriesPlan> plan_logit_series(const MarketData& m, const OwnerGroupedRows& g, int max_bins,
                                                 double utility_scale = 1.0, bool shift_by_nest = false);

// Estimated multiply-adds of the direct pass, on the same scale as LogitSeriesPlan::cost.
double logit_direct_cost(const MarketData& m);

// How a model's pass is evaluated ([demand] evaluation, for the logit and the nested logit): one
// exponential per buyer and product ("direct"), the expansion wherever it applies ("series"), or
// whichever costs fewer operations for the market at hand ("auto", the default). Both give the
// same numbers to rounding; the choice depends on the market and the prices (the bins needed
// grow with the highest price), never on the threads.
enum class SeriesEvaluation { automatic, direct, series };

// The key's value (default "auto"); any other value is an error naming the key.
SeriesEvaluation read_series_evaluation(TableReader& demand_table);

// Bins of the expansion beyond which it falls back to the direct pass: bounds its memory (a bin
// holds 16 coefficients per product, and each buyer block up to 224 moments per bin).
inline constexpr int kMaxSeriesBins = 1024;

// False where the expansion cannot be chosen: under "direct", and under "auto" where even one
// bin would cost as much as the direct pass (small markets then skip planning altogether).
bool series_may_pay(SeriesEvaluation evaluation, const MarketData& m);

// The plan to evaluate this pass by, or nothing for the direct pass: never under "direct"; under
// "series" wherever the expansion applies; under "auto" where it also costs fewer operations.
std::optional<LogitSeriesPlan> choose_series(SeriesEvaluation evaluation, const MarketData& m, const OwnerGroupedRows& g,
                                             double utility_scale = 1.0, bool shift_by_nest = false);

// Fills `total` like the direct pass does and, when `allocation`, the per-buyer fields of
// `out` (buyer_spend, buyer_compute, buyer_domestic_units).
void logit_series_pass(const MarketData& m, const OwnerGroupedRows& g, const LogitSeriesPlan& plan, bool allocation,
                       LogitCountrySums& total, PricingTerms& out);

}  // namespace chipsim

#pragma once
// Summary statistics across replicates: the mean with its 95 % confidence interval (Student t,
// n - 1 degrees of freedom: the Monte Carlo error of the mean), the spread of outcomes as the
// 5/25/50/75/95 % quantiles (linear interpolation between order statistics), and the bimodality
// coefficient (> 5/9 flags an outcome whose replicates split into clusters). NaNs are dropped;
// an empty sample gives NaNs; one value gives no interval (NaN bounds).
#include <string>
#include <vector>

namespace chipsim {

// mean, ci95_low, ci95_high, q05, q50, q95, q25, q75, bimodality (new ones appended: files keep
// their statistic labels, so readers index by name)
const std::vector<std::string>& summary_statistic_names();
std::vector<double> summarise(std::vector<double> sample);   // in that order

}  // namespace chipsim

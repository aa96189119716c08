#pragma once
// Summary statistics across replicates: the mean with its 95 % confidence interval (Student t,
// n - 1 degrees of freedom) and the 5/50/95 % quantiles (linear interpolation between order
// statistics). NaNs are dropped; an empty sample gives NaNs; one value gives no interval (NaN bounds).
#include <string>
#include <vector>

namespace chipsim {

const std::vector<std::string>& summary_statistic_names();  // mean, ci95_low, ci95_high, q05, q50, q95
std::vector<double> summarise(std::vector<double> sample);   // in that order

}  // namespace chipsim

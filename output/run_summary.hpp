#pragma once
// The short terminal summary printed after `chipsim run`: per year, the focus country's
// accelerator self-sufficiency (by value and units), compute stocks, and chipmakers' revenue
// from the focus country and in total.
#include <ostream>
#include <string>

#include "sim/core/model.hpp"
#include "sim/core/series.hpp"

namespace chipsim {

void print_run_summary(const Model& model, const Series& series, const std::string& focus_country, std::ostream& out);

// A warning when the pricing solver stopped at its iteration cap in some periods (their
// recorded pricing_residual is not below [parameters].pricing_tolerance); empty otherwise.
std::string pricing_convergence_warning(const Model& model, const Series& series);

}  // namespace chipsim

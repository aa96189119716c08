#pragma once
// The software ecosystem as a network effect (issue 16, item 5; docs/MODEL_NOTES.md §5,
// "Installed base"): a vendor's accelerators gain appeal as the installed base of compute on its
// platform grows (CUDA against CANN). This is the second backfire channel of export controls:
// controls that grow the domestic installed base make domestic chips more attractive later.
#include "sim/core/model.hpp"

namespace chipsim {

// Mean utility (utils) a vendor's accelerators gain over the start from its installed base:
//     u(B) = w [ln(1 + B / R) - ln(1 + B0 / R)]
// B = installed base now, B0 = at the start (the products' `appeal` is calibrated at B0), both in
// H100e; w = Parameters::ecosystem_utils_per_log_base, R = ecosystem_reference_h100e. Increasing
// and concave in B (each H100e adds less than the one before: developers and libraries saturate);
// 0 at B = B0 and everywhere when w = 0. The log form follows the log-of-users network term of
// demand models of platform adoption (e.g. Gandal 1994, RAND J. Econ. 25(1), on spreadsheet
// compatibility; Rysman 2004, Rev. Econ. Stud. 71(2)).
double ecosystem_appeal(const Parameters& parameters, double installed_base_h100e, double initial_base_h100e);

}  // namespace chipsim

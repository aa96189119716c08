#pragma once
// The software ecosystem as a network effect (issue 16, item 5; docs/MODEL_NOTES.md §5,
// "Installed base"): a vendor's accelerators gain appeal as the installed base of compute on its
// platform grows relative to the market's (CUDA against CANN). This is the second backfire
// channel of export controls: controls that grow the domestic installed base make domestic chips
// more attractive later.
#include <Eigen/Core>

#include "sim/core/model.hpp"
#include "sim/core/state.hpp"

namespace chipsim {

// Mean utility (utils) a vendor's accelerators gain over the start from its installed base:
//     u = w [ln(1 + B/R) - ln(1 + B0/R)] - w [ln(1 + T/R) - ln(1 + T0/R)]
// B, B0 = the vendor's installed base now and at the start, T, T0 = all vendors' (H100e);
// w = Parameters::ecosystem_utils_per_log_base, R = ecosystem_reference_h100e. The second term
// makes the effect relative: a vendor whose base grows with the market's keeps its appeal
// against the outside option (the market's growth is not extra demand); one that outgrows it
// gains. For fixed other bases u is increasing in B (1/(R+B) >= 1/(R+T) as B <= T) and concave
// (each H100e adds less: developers and libraries saturate); 0 at the start and when w = 0. The
// log form follows the log-of-users network term of platform-adoption demand (Gandal 1994, RAND
// J. Econ. 25(1); Rysman 2004, Rev. Econ. Stud. 71(2)).
double ecosystem_appeal(const Parameters& parameters, double installed_base_h100e, double initial_base_h100e,
                        double total_base_h100e, double initial_total_h100e);

// Every accelerator maker's ecosystem appeal this period (F; 0 for HBM makers): the function above
// with T the sum of State::installed_base_h100e over accelerator makers and T0 of their
// initial_installed_base_h100e.
Eigen::VectorXd ecosystem_appeals(const Model& model, const State& state);

}  // namespace chipsim

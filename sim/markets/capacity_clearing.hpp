#pragma once
// The joint Newton step towards the capacity-clearing prices of the products whose output
// ceilings bind (sim/markets/bertrand_nash.hpp). For the bound set B and the other priced
// products U, whose prices move by the given steps dp_U, it solves the linearised clearing
// conditions
//     Q_B + J_BB dp_B + J_BU dp_U = K_B
// with the Jacobian J = diag(dQ_j/dp_j) + offdiag(L R'), L and R the demand model's rank-R
// approximation of the cross-price derivatives (PricingTerms::cross_left/right). With
// D_j = dQ_j/dp_j - L_j R_j' (the diagonal less the approximation's own), Woodbury's identity
// reduces it to one R x R system:
//     (I + R_B' D^-1 L_B) y = R_B' D^-1 b,   dp_j = (b_j - L_j y) / D_j,   b = K_B - Q_B - L_B R_U' dp_U
// (or, when fewer products are bound than R, their own |B| x |B| system, the same solution).
// A step of the own derivative alone (Jacobi) moves each bound price as if the others stood
// still; it misses the common mode of the logit (all bound prices rising together raise every
// buyer's outside share), which made warm periods of capacity-bound worlds take 11 passes.
// The step only accelerates the iteration: the fixed point, where every bound product clears
// exactly, does not depend on it.
#include <Eigen/Core>
#include <Eigen/LU>
#include <utility>
#include <vector>

#include "sim/demand/demand_model.hpp"

namespace chipsim {

// Scratch of the two steps, kept across the iterations of a solve (no allocation once sizes settle).
struct CapacityStepScratch {
  std::vector<Eigen::Index> unknowns;                  // the products solved for
  std::vector<std::pair<int, Eigen::Index>> by_owner;  // (firm, product) of the bound products
  Eigen::MatrixXd left, right, scaled, system;         // n x R factors; the n x n or R x R system
  Eigen::VectorXd diagonal, rhs, solution, projected, reduced;
  Eigen::PartialPivLU<Eigen::MatrixXd> lu;
};

// bound: P flags (1 = the ceiling binds; such products need dQ_j/dp_j < 0). step: P; on entry
// the steps dp_k of the unbound products (USD per unit; bound entries ignored), on exit the
// bound entries hold the clearing step. capacity: K (units, P).
// Returns false, leaving `step` unchanged, when the terms carry no cross derivatives, fewer
// than two products are bound (one alone: its joint step differs from the own-price step only by
// the unbound products' moves, left to the next pass), or the system is singular or gives a
// non-finite step (the caller keeps its Jacobi step).
bool capacity_clearing_step(const PricingTerms& terms, const Eigen::VectorXd& capacity, const std::vector<char>& bound,
                            Eigen::VectorXd& step, CapacityStepScratch& scratch);

// The joint step of the multipliers of one firm's bound products. At fixed prices the
// stationarity conditions are linear in the multipliers: with X_kj = sum_i cross_ikj, the cross
// part of dq_ik/dp_j in PricingTerms' decomposition (for k != j the cross derivative dQ_k/dp_j,
// approximated by L_k R_j'), zeta_j reaches the clearing price
// when, for every bound j of firm f,
//     -dQ_j/dp_j dmu_j - sum_{k in f bound, k != j} X_kj dmu_k = rhs_j,
// rhs_j = slope_net_j (clearing_j - zeta_j). A step on j's own multiplier alone (Jacobi) ignores
// that a sibling's multiplier makes j's diverted sales worth less; solved per firm by Woodbury:
//     (I - sum_k L_k' R_k / E_k) z = sum_k L_k' rhs_k / E_k,   dmu_j = (rhs_j + R_j z) / E_j,
// E_j = -dQ_j/dp_j + L_j R_j'. owner: the firm of each product (P); bound: P flags; step: on
// entry rhs_j for the bound products, on exit dmu_j (USD per unit). Firms whose system is
// singular, or whose step is not finite, keep rhs_j / -dQ_j/dp_j (the Jacobi step).
// Returns false when the terms carry no cross derivatives (then every step is Jacobi).
bool capacity_multiplier_step(const PricingTerms& terms, const std::vector<int>& owner, const std::vector<char>& bound,
                              Eigen::VectorXd& step, CapacityStepScratch& scratch);

}  // namespace chipsim

#include "sim/markets/capacity_clearing.hpp"

#include <algorithm>
#include <cmath>

namespace chipsim {

namespace {
// A system whose smallest LU pivot is below this share of its largest is treated as singular.
constexpr double kSingular = 1e-13;

bool has_cross_terms(const PricingTerms& t) {
  const Eigen::Index P = t.quantity.size(), rank = t.cross_left.cols();
  return rank > 0 && t.cross_left.rows() == P && t.cross_right.rows() == P && t.cross_right.cols() == rank;
}

// Is the factorised system regular? Its pivots are not negligible against the largest.
bool regular(const Eigen::PartialPivLU<Eigen::MatrixXd>& lu) {
  const auto pivots = lu.matrixLU().diagonal().cwiseAbs();
  return pivots.minCoeff() > kSingular * pivots.maxCoeff();
}

// Solves (diag(d) + U V') x = b for the n unknowns of s (d, U = s.left, V = s.right, b = s.rhs;
// x into s.solution): directly when n <= R, else by Woodbury's identity,
//     x = D^-1 b - D^-1 U (I + V' D^-1 U)^-1 V' D^-1 b.
// False when a diagonal entry is 0, the system is singular, or x is not finite.
bool solve_diagonal_plus_low_rank(CapacityStepScratch& s) {
  const Eigen::Index n = s.diagonal.size(), rank = s.left.cols();
  if (!(s.diagonal.array() != 0).all()) return false;
  if (n <= rank) {
    s.system.noalias() = s.left * s.right.transpose();
    s.system.diagonal() += s.diagonal;
    s.lu.compute(s.system);
    if (!regular(s.lu)) return false;
    s.solution = s.lu.solve(s.rhs);
  } else {
    s.scaled = s.left.array().colwise() / s.diagonal.array();
    s.system.noalias() = s.right.transpose() * s.scaled;
    s.system.diagonal().array() += 1.0;
    s.lu.compute(s.system);
    if (!regular(s.lu)) return false;
    s.solution = s.rhs.cwiseQuotient(s.diagonal);
    s.projected.noalias() = s.right.transpose() * s.solution;
    s.reduced = s.lu.solve(s.projected);
    s.solution.noalias() -= s.scaled * s.reduced;
  }
  return s.solution.allFinite();
}
}  // namespace

bool capacity_clearing_step(const PricingTerms& terms, const Eigen::VectorXd& capacity, const std::vector<char>& bound,
                            Eigen::VectorXd& step, CapacityStepScratch& s) {
  if (!has_cross_terms(terms)) return false;
  const Eigen::MatrixXd& L = terms.cross_left;
  const Eigen::MatrixXd& R = terms.cross_right;
  const Eigen::Index P = terms.quantity.size(), rank = L.cols();
  // The unbound products' moves, as felt by the bound ones: u = R_U' dp_U (into s.reduced).
  s.reduced.setZero(rank);
  s.unknowns.clear();
  for (Eigen::Index k = 0; k < P; ++k) {
    if (bound[static_cast<std::size_t>(k)]) s.unknowns.push_back(k);
    else if (std::isfinite(step(k))) s.reduced += R.row(k).transpose() * step(k);
  }
  const Eigen::Index n = static_cast<Eigen::Index>(s.unknowns.size());
  // One bound product: its joint step differs from its own-price step only by the unbound
  // products' moves; not worth a solve (the iteration corrects it at the next pass).
  if (n < 2) return false;
  s.diagonal.resize(n), s.rhs.resize(n), s.left.resize(n, rank), s.right.resize(n, rank);
  for (Eigen::Index a = 0; a < n; ++a) {
    const Eigen::Index j = s.unknowns[static_cast<std::size_t>(a)];
    s.left.row(a) = L.row(j);
    s.right.row(a) = R.row(j);
    s.diagonal(a) = terms.own_derivative(j) - L.row(j).dot(R.row(j));  // J_jj less the approximation's own
    if (!(s.diagonal(a) < 0)) return false;
    s.rhs(a) = capacity(j) - terms.quantity(j) - L.row(j).dot(s.reduced);
  }
  if (!solve_diagonal_plus_low_rank(s)) return false;
  for (Eigen::Index a = 0; a < n; ++a) step(s.unknowns[static_cast<std::size_t>(a)]) = s.solution(a);
  return true;
}

bool capacity_multiplier_step(const PricingTerms& terms, const std::vector<int>& owner, const std::vector<char>& bound,
                              Eigen::VectorXd& step, CapacityStepScratch& s) {
  const bool low_rank = has_cross_terms(terms);
  const Eigen::MatrixXd& L = terms.cross_left;
  const Eigen::MatrixXd& R = terms.cross_right;
  const Eigen::Index P = terms.quantity.size(), rank = L.cols();
  // Bound products by firm, in product order within each firm (deterministic).
  s.by_owner.clear();
  for (Eigen::Index j = 0; j < P; ++j)
    if (bound[static_cast<std::size_t>(j)]) s.by_owner.emplace_back(owner[static_cast<std::size_t>(j)], j);
  std::sort(s.by_owner.begin(), s.by_owner.end());
  for (std::size_t first = 0; first < s.by_owner.size();) {
    std::size_t end = first;
    while (end < s.by_owner.size() && s.by_owner[end].first == s.by_owner[first].first) ++end;
    const Eigen::Index n = static_cast<Eigen::Index>(end - first);
    // E_j dmu_j - sum_{k != j} R_j L_k' dmu_k = rhs_j, i.e. (diag(E_j + R_j L_j') - R_f L_f') dmu = rhs.
    bool joint = low_rank && n > 1;
    if (joint) {
      s.diagonal.resize(n), s.rhs.resize(n), s.left.resize(n, rank), s.right.resize(n, rank);
      for (Eigen::Index a = 0; a < n; ++a) {
        const Eigen::Index j = s.by_owner[first + static_cast<std::size_t>(a)].second;
        s.left.row(a) = -R.row(j);
        s.right.row(a) = L.row(j);
        s.diagonal(a) = -terms.own_derivative(j) + L.row(j).dot(R.row(j));
        s.rhs(a) = step(j);
      }
      joint = solve_diagonal_plus_low_rank(s);
    }
    for (Eigen::Index a = 0; a < n; ++a) {
      const Eigen::Index j = s.by_owner[first + static_cast<std::size_t>(a)].second;
      step(j) = joint ? s.solution(a) : step(j) / -terms.own_derivative(j);
    }
    first = end;
  }
  return low_rank;
}

}  // namespace chipsim

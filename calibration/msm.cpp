#include "calibration/msm.hpp"

#include <nlopt.hpp>

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <cmath>
#include <exception>
#include <limits>
#include <map>

#include "sim/core/error.hpp"

namespace chipsim {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Q where a moment has no value (the run lacks what it needs at that point): far above any
// attainable objective, so a search moves away, but finite so that it can compare points.
constexpr double kMissingPenalty = 1e12;

nlopt::algorithm algorithm_of(const std::string& name, bool global) {
  if (global) {
    if (name == "crs2") return nlopt::GN_CRS2_LM;
    if (name == "direct") return nlopt::GN_DIRECT_L;
    if (name == "isres") return nlopt::GN_ISRES;
    throw Error("calibration: unknown global algorithm \"" + name + "\" (crs2, direct, isres or none)");
  }
  if (name == "bobyqa") return nlopt::LN_BOBYQA;
  if (name == "neldermead") return nlopt::LN_NELDERMEAD;
  if (name == "sbplx") return nlopt::LN_SBPLX;
  throw Error("calibration: unknown local algorithm \"" + name + "\" (bobyqa, neldermead, sbplx or none)");
}

Eigen::VectorXd column_mean(const Eigen::MatrixXd& x) { return x.colwise().mean().transpose(); }

// Replicates' covariance of the moments (M x M); zero with one replicate.
Eigen::MatrixXd replicate_covariance(const Eigen::MatrixXd& x) {
  if (x.rows() < 2) return Eigen::MatrixXd::Zero(x.cols(), x.cols());
  const Eigen::MatrixXd centred = x.rowwise() - x.colwise().mean();
  return centred.transpose() * centred / static_cast<double>(x.rows() - 1);
}

double quadratic(const Eigen::VectorXd& e, const Eigen::MatrixXd& w) {
  int missing = 0;
  for (Eigen::Index i = 0; i < e.size(); ++i)
    if (!std::isfinite(e(i))) ++missing;
  if (missing) return kMissingPenalty * (1 + missing);
  return e.dot(w * e);
}

class Problem {
 public:
  Problem(const std::vector<MsmParameter>& p, const Eigen::VectorXd& targets, const MsmSettings& s, const MsmSimulator& sim)
      : params_(p), targets_(targets), settings_(s), simulate_(sim) {}

  Eigen::VectorXd natural(const Eigen::VectorXd& u) const {
    Eigen::VectorXd x(u.size());
    for (Eigen::Index k = 0; k < u.size(); ++k) x(k) = msm_from_unit(params_[static_cast<std::size_t>(k)], u(k));
    return x;
  }
  // d theta / d u at u (natural units per unit of the box).
  Eigen::VectorXd slope(const Eigen::VectorXd& u) const {
    Eigen::VectorXd d(u.size());
    for (Eigen::Index k = 0; k < u.size(); ++k) {
      const MsmParameter& p = params_[static_cast<std::size_t>(k)];
      d(k) = p.log_scale ? msm_from_unit(p, u(k)) * (std::log(p.max) - std::log(p.min)) : p.max - p.min;
    }
    return d;
  }

  // Replicate moments at each unit-box point, memoised (a search that revisits a point, and the
  // final statistics at the estimate, reuse its runs).
  std::vector<const Eigen::MatrixXd*> at(const std::vector<Eigen::VectorXd>& us) {
    std::vector<Eigen::VectorXd> new_points;
    std::vector<std::vector<double>> new_keys;
    for (const Eigen::VectorXd& u : us) {
      std::vector<double> key(u.data(), u.data() + u.size());
      if (!memo_.count(key) && std::find(new_keys.begin(), new_keys.end(), key) == new_keys.end()) {
        new_keys.push_back(key);
        new_points.push_back(natural(u));
      }
    }
    if (!new_keys.empty()) {
      std::vector<Eigen::MatrixXd> out = simulate_(new_points);
      if (out.size() != new_keys.size()) throw Error("calibration: the simulator returned a wrong number of points");
      for (std::size_t i = 0; i < out.size(); ++i) {
        if (out[i].rows() != settings_.replicates || out[i].cols() != targets_.size())
          throw Error("calibration: the simulator returned moments of the wrong shape");
        memo_.emplace(new_keys[i], std::move(out[i]));
      }
      evaluations_ += static_cast<int>(new_keys.size());
    }
    std::vector<const Eigen::MatrixXd*> result;
    for (const Eigen::VectorXd& u : us) result.push_back(&memo_.at(std::vector<double>(u.data(), u.data() + u.size())));
    return result;
  }
  const Eigen::MatrixXd& at(const Eigen::VectorXd& u) { return *at(std::vector<Eigen::VectorXd>{u})[0]; }

  double objective(const Eigen::VectorXd& u, const Eigen::MatrixXd& w) { return quadratic(column_mean(at(u)) - targets_, w); }

  // Minimises Q(u; w) with one NLopt algorithm from `start`; returns the best point seen.
  Eigen::VectorXd search(nlopt::algorithm algorithm, int evaluations, const Eigen::VectorXd& start, const Eigen::MatrixXd& w,
                         std::vector<double>& trace, std::string& status) {
    const unsigned K = static_cast<unsigned>(start.size());
    nlopt::opt opt(algorithm, K);
    opt.set_lower_bounds(std::vector<double>(K, 0.0));
    opt.set_upper_bounds(std::vector<double>(K, 1.0));
    opt.set_maxeval(evaluations);
    opt.set_xtol_rel(settings_.x_tolerance);
    Eigen::VectorXd best = start;
    double best_q = std::numeric_limits<double>::infinity();
    struct Closure {
      Problem* self;
      const Eigen::MatrixXd* w;
      Eigen::VectorXd* best;
      double* best_q;
      std::vector<double>* trace;
      std::exception_ptr failure;  // an error of the simulator, rethrown after the search
    } closure{this, &w, &best, &best_q, &trace, nullptr};
    opt.set_min_objective(
        [](unsigned n, const double* x, double* grad, void* data) -> double {
          auto* c = static_cast<Closure*>(data);
          if (grad) for (unsigned k = 0; k < n; ++k) grad[k] = 0;  // derivative-free algorithms only
          Eigen::VectorXd u = Eigen::Map<const Eigen::VectorXd>(x, n).cwiseMax(0.0).cwiseMin(1.0);
          double q = 0;
          try {
            q = c->self->objective(u, *c->w);
          } catch (...) {
            // NLopt would turn any exception into a bare "nlopt failure": keep the real one and
            // stop the search; it is rethrown below.
            c->failure = std::current_exception();
            throw nlopt::forced_stop();
          }
          if (q < *c->best_q) *c->best_q = q, *c->best = u;
          c->trace->push_back(*c->best_q);
          return q;
        },
        &closure);
    std::vector<double> x(start.data(), start.data() + K);
    double f = 0;
    nlopt::srand(settings_.seed);
    try {
      const nlopt::result r = opt.optimize(x, f);
      status = r == nlopt::MAXEVAL_REACHED ? "stopped at the evaluation limit"
               : r == nlopt::XTOL_REACHED  ? "converged (x tolerance)"
               : r == nlopt::FTOL_REACHED  ? "converged (f tolerance)"
                                           : "finished (NLopt code " + std::to_string(static_cast<int>(r)) + ")";
    } catch (const nlopt::roundoff_limited&) {
      status = "stopped by round-off (the best point is kept)";
    } catch (const std::exception& e) {
      if (closure.failure) std::rethrow_exception(closure.failure);
      if (!std::isfinite(best_q)) throw Error(std::string("calibration: the search failed: ") + e.what());
      status = std::string("stopped: ") + e.what() + " (the best point is kept)";
    }
    if (closure.failure) std::rethrow_exception(closure.failure);
    return best;
  }

  int evaluations() const { return evaluations_; }

 private:
  const std::vector<MsmParameter>& params_;
  Eigen::VectorXd targets_;
  MsmSettings settings_;
  const MsmSimulator& simulate_;
  std::map<std::vector<double>, Eigen::MatrixXd> memo_;
  int evaluations_ = 0;
};

}  // namespace

double msm_from_unit(const MsmParameter& p, double u) {
  if (p.log_scale) return std::exp(std::log(p.min) + u * (std::log(p.max) - std::log(p.min)));
  return p.min + u * (p.max - p.min);
}

double msm_to_unit(const MsmParameter& p, double x) {
  const double u = p.log_scale ? (std::log(x) - std::log(p.min)) / (std::log(p.max) - std::log(p.min)) : (x - p.min) / (p.max - p.min);
  return std::clamp(u, 0.0, 1.0);
}

MsmResult estimate_msm(const std::vector<MsmParameter>& parameters, const Eigen::VectorXd& targets,
                       const Eigen::VectorXd& target_se, const MsmSettings& s, const MsmSimulator& simulate) {
  const auto K = static_cast<Eigen::Index>(parameters.size());
  const Eigen::Index M = targets.size();
  if (K == 0) throw Error("calibration: no free parameter");
  if (M == 0) throw Error("calibration: no moment");
  if (target_se.size() != M || (target_se.array() <= 0).any()) throw Error("calibration: every moment needs a standard error > 0");
  if (s.replicates < 1) throw Error("calibration: replicates must be at least 1");
  for (const MsmParameter& p : parameters)
    if (!(p.max > p.min) || (p.log_scale && p.min <= 0))
      throw Error("calibration: parameter " + p.name + ": bounds must satisfy min < max (and min > 0 on a log scale)");
  const bool global = s.global_algorithm != "none", local = s.local_algorithm != "none";
  const nlopt::algorithm global_alg = global ? algorithm_of(s.global_algorithm, true) : nlopt::GN_CRS2_LM;
  // Powell's BOBYQA needs two or more dimensions; one parameter is searched by Sbplx instead.
  const nlopt::algorithm local_alg =
      local ? (K < 2 && s.local_algorithm == "bobyqa" ? nlopt::LN_SBPLX : algorithm_of(s.local_algorithm, false)) : nlopt::LN_SBPLX;

  Problem problem(parameters, targets, s, simulate);
  MsmResult r;
  r.targets = targets;
  r.target_se = target_se;
  const Eigen::MatrixXd data_covariance = target_se.array().square().matrix().asDiagonal();
  Eigen::MatrixXd w = target_se.array().square().inverse().matrix().asDiagonal();

  Eigen::VectorXd u(K);
  for (Eigen::Index k = 0; k < K; ++k) u(k) = msm_to_unit(parameters[static_cast<std::size_t>(k)], parameters[static_cast<std::size_t>(k)].start);
  r.global_status = r.local_status = "not run";
  r.start_objective = problem.objective(u, w);
  if (global) u = problem.search(global_alg, s.global_evaluations, u, w, r.trace, r.global_status);
  if (local) u = problem.search(local_alg, s.local_evaluations, u, w, r.trace, r.local_status);
  r.first_step_objective = problem.objective(u, w);

  auto omega_at = [&](const Eigen::VectorXd& point) {
    return Eigen::MatrixXd(data_covariance + replicate_covariance(problem.at(point)) / static_cast<double>(s.replicates));
  };
  if (s.optimal_weighting) {
    const Eigen::MatrixXd omega = omega_at(u);
    w = omega.ldlt().solve(Eigen::MatrixXd::Identity(M, M));
    if (local) {
      std::string status;
      u = problem.search(local_alg, s.local_evaluations, u, w, r.trace, status);
      r.local_status += "; second step (optimal weighting): " + status;
    }
  }
  const Eigen::MatrixXd& at_estimate = problem.at(u);
  r.simulated = column_mean(at_estimate);
  for (Eigen::Index i = 0; i < M; ++i)
    if (!std::isfinite(r.simulated(i))) throw Error("calibration: moment " + std::to_string(i + 1) + " has no value at the estimate");
  r.simulation_se = (replicate_covariance(at_estimate).diagonal() / static_cast<double>(s.replicates)).cwiseSqrt();
  r.estimate = problem.natural(u);
  r.weight = w;
  r.objective = quadratic(r.simulated - targets, w);

  // The simulated Jacobian: central differences in the unit box under common random numbers.
  std::vector<Eigen::VectorXd> stencil;
  for (Eigen::Index k = 0; k < K; ++k) {
    Eigen::VectorXd up = u, down = u;
    up(k) = std::min(1.0, u(k) + s.jacobian_step);
    down(k) = std::max(0.0, u(k) - s.jacobian_step);
    stencil.push_back(up), stencil.push_back(down);
  }
  const auto moments = problem.at(stencil);
  Eigen::MatrixXd g_unit(M, K);
  for (Eigen::Index k = 0; k < K; ++k) {
    const double h = stencil[2 * static_cast<std::size_t>(k)](k) - stencil[2 * static_cast<std::size_t>(k) + 1](k);
    g_unit.col(k) = (column_mean(*moments[2 * static_cast<std::size_t>(k)]) - column_mean(*moments[2 * static_cast<std::size_t>(k) + 1])) / h;
  }
  for (Eigen::Index k = 0; k < K; ++k)
    for (Eigen::Index i = 0; i < M; ++i)
      if (!std::isfinite(g_unit(i, k)))
        throw Error("calibration: moment " + std::to_string(i + 1) + " has no value next to the estimate along parameter " +
                    parameters[static_cast<std::size_t>(k)].name + " (a Jacobian point): no standard errors can be computed; "
                    "narrow the parameter's bounds or lower jacobian_step");
  const Eigen::VectorXd d = problem.slope(u);
  r.jacobian.resize(M, K);  // the same differences over the natural step
  for (Eigen::Index k = 0; k < K; ++k) {
    const double dx = problem.natural(stencil[2 * static_cast<std::size_t>(k)])(k) -
                      problem.natural(stencil[2 * static_cast<std::size_t>(k) + 1])(k);
    const double h = stencil[2 * static_cast<std::size_t>(k)](k) - stencil[2 * static_cast<std::size_t>(k) + 1](k);
    r.jacobian.col(k) = g_unit.col(k) * h / dx;
  }

  // Sandwich covariance in the unit box, then in natural units (delta method), over the
  // identified parameters: those the moments move (a non-zero column of G) and that do not load
  // on a null direction of G'WG (collinear with others). The covariance of the identified ones
  // is conditional on the others' estimates; the others get no standard error (NaN).
  const Eigen::MatrixXd omega = omega_at(u);
  const Eigen::MatrixXd gwg = g_unit.transpose() * w * g_unit;
  const double scale = std::max(gwg.diagonal().maxCoeff(), 1e-300);
  r.identified.assign(static_cast<std::size_t>(K), false);
  std::vector<Eigen::Index> moving;
  for (Eigen::Index k = 0; k < K; ++k)
    if (gwg(k, k) > 1e-12 * scale) moving.push_back(k);
  std::vector<Eigen::Index> kept;
  if (!moving.empty()) {
    const auto n = static_cast<Eigen::Index>(moving.size());
    Eigen::MatrixXd sub(n, n);
    for (Eigen::Index a = 0; a < n; ++a)
      for (Eigen::Index b = 0; b < n; ++b) sub(a, b) = gwg(moving[static_cast<std::size_t>(a)], moving[static_cast<std::size_t>(b)]);
    const Eigen::VectorXd norm = sub.diagonal().cwiseSqrt();
    const Eigen::MatrixXd corr = norm.cwiseInverse().asDiagonal() * sub * norm.cwiseInverse().asDiagonal();  // scale-free
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(corr);
    std::vector<bool> collinear(static_cast<std::size_t>(n), false);
    for (Eigen::Index e = 0; e < n; ++e)
      if (eig.eigenvalues()(e) < 1e-8)
        for (Eigen::Index a = 0; a < n; ++a)
          if (std::abs(eig.eigenvectors()(a, e)) > 0.1) collinear[static_cast<std::size_t>(a)] = true;
    for (Eigen::Index a = 0; a < n; ++a)
      if (!collinear[static_cast<std::size_t>(a)]) kept.push_back(moving[static_cast<std::size_t>(a)]);
  }
  r.covariance = Eigen::MatrixXd::Constant(K, K, kNaN);
  r.standard_error = Eigen::VectorXd::Constant(K, kNaN);
  if (!kept.empty()) {
    const auto n = static_cast<Eigen::Index>(kept.size());
    Eigen::MatrixXd g(M, n);
    for (Eigen::Index a = 0; a < n; ++a) g.col(a) = g_unit.col(kept[static_cast<std::size_t>(a)]);
    const Eigen::MatrixXd bread = (g.transpose() * w * g).ldlt().solve(Eigen::MatrixXd::Identity(n, n));
    const Eigen::MatrixXd v_unit = bread * (g.transpose() * w * omega * w * g) * bread;
    for (Eigen::Index a = 0; a < n; ++a) {
      const Eigen::Index i = kept[static_cast<std::size_t>(a)];
      r.identified[static_cast<std::size_t>(i)] = true;
      for (Eigen::Index b = 0; b < n; ++b) {
        const Eigen::Index j = kept[static_cast<std::size_t>(b)];
        r.covariance(i, j) = d(i) * v_unit(a, b) * d(j);
      }
      r.standard_error(i) = std::sqrt(std::max(0.0, r.covariance(i, i)));
    }
  }

  // Over-identification. At the estimate, e = m(theta) - m is asymptotically N(0, P Omega P'),
  // P = I - G (G'WG)^-1 G'W, of rank M - K; J = e' (P Omega P')^+ e ~ chi2(M - K) under any
  // weighting (Hansen 1982; with W = Omega^-1 it is e' Omega^-1 e). G: the identified columns.
  const Eigen::VectorXd e = r.simulated - targets;
  {
    // In units of each moment's standard error (so that the pseudo-inverse's rank cut does not
    // depend on the moments' units): e~ = S^-1 e, Omega~ = S^-1 Omega S^-1, W~ = S W S, G~ = S^-1 G.
    const Eigen::VectorXd inv_se = target_se.cwiseInverse();
    const Eigen::VectorXd e_std = inv_se.asDiagonal() * e;
    const Eigen::MatrixXd omega_std = inv_se.asDiagonal() * omega * inv_se.asDiagonal();
    const Eigen::MatrixXd w_std = target_se.asDiagonal() * w * target_se.asDiagonal();
    Eigen::MatrixXd projector = Eigen::MatrixXd::Identity(M, M);
    if (!kept.empty()) {
      const auto n = static_cast<Eigen::Index>(kept.size());
      Eigen::MatrixXd g(M, n);
      for (Eigen::Index a = 0; a < n; ++a) g.col(a) = inv_se.asDiagonal() * g_unit.col(kept[static_cast<std::size_t>(a)]);
      projector -= g * (g.transpose() * w_std * g).ldlt().solve(g.transpose() * w_std);
    }
    const Eigen::MatrixXd v = projector * omega_std * projector.transpose();
    Eigen::CompleteOrthogonalDecomposition<Eigen::MatrixXd> cod(v);
    cod.setThreshold(1e-9);
    r.j_statistic = e_std.dot(cod.pseudoInverse() * e_std);
  }
  r.degrees_of_freedom = static_cast<int>(M - K);
  r.j_p_value = r.degrees_of_freedom > 0
                    ? boost::math::cdf(boost::math::complement(boost::math::chi_squared(r.degrees_of_freedom), r.j_statistic))
                    : kNaN;

  // Profiles: Q along each parameter across its bounds, the others at the estimate.
  if (s.profile_points >= 2) {
    std::vector<Eigen::VectorXd> grid;
    for (Eigen::Index k = 0; k < K; ++k)
      for (int i = 0; i < s.profile_points; ++i) {
        Eigen::VectorXd point = u;
        point(k) = static_cast<double>(i) / (s.profile_points - 1);
        grid.push_back(point);
      }
    const auto profile = problem.at(grid);
    r.profile_values.assign(static_cast<std::size_t>(K), {});
    r.profile_objective.assign(static_cast<std::size_t>(K), {});
    for (std::size_t n = 0; n < grid.size(); ++n) {
      const auto k = n / static_cast<std::size_t>(s.profile_points);
      r.profile_values[k].push_back(msm_from_unit(parameters[k], grid[n](static_cast<Eigen::Index>(k))));
      r.profile_objective[k].push_back(quadratic(column_mean(*profile[n]) - targets, w));
    }
  }
  r.evaluations = problem.evaluations();
  return r;
}

}  // namespace chipsim

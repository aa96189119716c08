// The method of simulated moments (calibration/msm.hpp) on models whose answer is known: a
// linear model (exact recovery; the sandwich covariance equals (G'WG)^-1 G'W Omega W G
// (G'WG)^-1 computed by hand), a noisy nonlinear model (recovery within the standard errors;
// J near its degrees of freedom), a parameter no moment moves (reported as not identified).
#include <catch2/catch.hpp>

#include <cmath>

#include "calibration/msm.hpp"
#include "sim/core/error.hpp"
#include "sim/core/rng.hpp"

using namespace chipsim;

namespace {
// m(theta) = A theta + b, the same for every replicate (no simulation noise).
MsmSimulator linear(const Eigen::MatrixXd& a, const Eigen::VectorXd& b, int replicates) {
  return [=](const std::vector<Eigen::VectorXd>& points) {
    std::vector<Eigen::MatrixXd> out;
    for (const auto& x : points) {
      Eigen::MatrixXd m(replicates, a.rows());
      for (int r = 0; r < replicates; ++r) m.row(r) = (a * x + b).transpose();
      out.push_back(m);
    }
    return out;
  };
}
// The linear test problem: four moments of two parameters, with their standard errors.
struct LinearProblem {
  Eigen::MatrixXd a{4, 2};
  Eigen::VectorXd b = Eigen::VectorXd::Constant(4, 0.5);
  Eigen::Vector2d truth{0.3, 1.7};
  Eigen::VectorXd se = Eigen::Vector4d(0.1, 0.2, 0.1, 0.3);
  LinearProblem() { a << 1, 0, 0, 2, 1, 1, 3, -1; }
};

// A local search only, without simulation noise (2 identical replicates): settings for which
// the linear problem's answer is exact.
MsmSettings exact_local_settings(int evaluations, double x_tolerance, int profile_points) {
  MsmSettings s;
  s.replicates = 2;
  s.global_algorithm = "none";
  s.local_evaluations = evaluations;
  s.x_tolerance = x_tolerance;
  s.profile_points = profile_points;
  s.jacobian_step = 1e-3;
  return s;
}
}  // namespace

TEST_CASE("msm: a linear model is recovered exactly, with the textbook covariance", "[msm]") {
  const LinearProblem lp;
  const Eigen::MatrixXd& a = lp.a;
  const Eigen::VectorXd& b = lp.b;
  const Eigen::Vector2d& truth = lp.truth;
  const Eigen::VectorXd& se = lp.se;
  const Eigen::VectorXd targets = a * truth + b;
  std::vector<MsmParameter> params = {{"x", -1, 2, false, 0.5}, {"y", 0.1, 5, true, 1.0}};
  const MsmSettings s = exact_local_settings(2000, 1e-12, 5);
  const MsmResult r = estimate_msm(params, targets, se, s, linear(a, b, s.replicates));
  CHECK(r.estimate(0) == Approx(truth(0)).margin(1e-6));
  CHECK(r.estimate(1) == Approx(truth(1)).epsilon(1e-6));
  CHECK(r.objective < 1e-9);
  CHECK(r.jacobian(2, 1) == Approx(1.0).epsilon(1e-6));  // d m3 / d y
  // No simulation noise: Omega = diag(se^2) = W^-1, so the covariance is (A' W A)^-1.
  const Eigen::MatrixXd w = se.array().square().inverse().matrix().asDiagonal();
  const Eigen::MatrixXd v = (a.transpose() * w * a).inverse();
  CHECK(r.standard_error(0) == Approx(std::sqrt(v(0, 0))).epsilon(1e-5));
  CHECK(r.standard_error(1) == Approx(std::sqrt(v(1, 1))).epsilon(1e-5));
  CHECK(r.degrees_of_freedom == 2);
  CHECK(r.j_p_value == Approx(1.0).margin(1e-6));
  // The profile is lowest at the grid point nearest the estimate.
  REQUIRE(r.profile_objective.size() == 2);
  CHECK(r.profile_objective[0].size() == 5);
  for (double q : r.profile_objective[0]) CHECK(q >= r.objective - 1e-12);
}

TEST_CASE("msm: a noisy nonlinear model is recovered within its standard errors by a global then local search", "[msm]") {
  // m1 = exp(x), m2 = x y, m3 = y^2 + x, plus replicate noise common across points (CRN).
  const int R = 20;
  auto noise = [](int r, int i) { return 0.02 * (2.0 * uniform01(RandomKey{7, 0}, static_cast<std::uint64_t>(r), static_cast<std::uint64_t>(i), RandomPurpose::synthetic_world) - 1.0); };
  MsmSimulator sim = [&](const std::vector<Eigen::VectorXd>& points) {
    std::vector<Eigen::MatrixXd> out;
    for (const auto& x : points) {
      Eigen::MatrixXd m(R, 3);
      for (int r = 0; r < R; ++r) {
        m(r, 0) = std::exp(x(0)) * (1 + noise(r, 0));
        m(r, 1) = x(0) * x(1) + noise(r, 1);
        m(r, 2) = x(1) * x(1) + x(0) + noise(r, 2);
      }
      out.push_back(m);
    }
    return out;
  };
  const Eigen::Vector2d truth(0.4, 1.2);
  const Eigen::Vector3d targets(std::exp(0.4), 0.48, 1.84);
  const Eigen::Vector3d se(0.03, 0.03, 0.03);
  MsmSettings s;
  s.replicates = R;
  s.global_evaluations = 300;
  s.local_evaluations = 300;
  s.optimal_weighting = true;
  s.seed = 11;
  const MsmResult r = estimate_msm({{"x", -1, 1, false, 0}, {"y", 0.5, 3, false, 1}}, targets, se, s, sim);
  for (int k = 0; k < 2; ++k) {
    INFO("parameter " << k << " estimate " << r.estimate(k) << " se " << r.standard_error(k));
    CHECK(std::isfinite(r.standard_error(k)));
    CHECK(std::abs(r.estimate(k) - truth(k)) < 2 * r.standard_error(k));
  }
  CHECK(r.degrees_of_freedom == 1);
  CHECK(r.j_p_value > 0.01);
  // Deterministic: the same seed, the same estimate, bit for bit.
  const MsmResult again = estimate_msm({{"x", -1, 1, false, 0}, {"y", 0.5, 3, false, 1}}, targets, se, s, sim);
  CHECK(again.estimate == r.estimate);
  CHECK(again.j_statistic == r.j_statistic);
}

TEST_CASE("msm: a parameter no moment moves is reported as not identified", "[msm]") {
  Eigen::MatrixXd a(2, 2);
  a << 1, 0, 2, 0;  // the second parameter moves nothing
  MsmSettings s;
  s.replicates = 1;
  s.global_algorithm = "none";
  s.profile_points = 0;
  const MsmResult r = estimate_msm({{"x", 0, 1, false, 0.2}, {"ignored", 0, 1, false, 0.5}}, Eigen::Vector2d(0.5, 1.0),
                                   Eigen::Vector2d(0.1, 0.1), s, linear(a, Eigen::Vector2d::Zero(), 1));
  CHECK_FALSE(r.identified[1]);
  CHECK(std::isnan(r.standard_error(1)));
}

TEST_CASE("msm: bad settings are refused", "[msm][errors]") {
  const auto sim = linear(Eigen::MatrixXd::Identity(1, 1), Eigen::VectorXd::Zero(1), 1);
  MsmSettings s;
  s.replicates = 1;
  CHECK_THROWS_WITH(estimate_msm({{"x", 1, 0, false, 0}}, Eigen::VectorXd::Ones(1), Eigen::VectorXd::Ones(1), s, sim),
                    Catch::Contains("min < max"));
  CHECK_THROWS_WITH(estimate_msm({{"x", 0, 1, false, 0}}, Eigen::VectorXd::Ones(1), Eigen::VectorXd::Zero(1), s, sim),
                    Catch::Contains("standard error"));
  s.global_algorithm = "annealing";
  CHECK_THROWS_WITH(estimate_msm({{"x", 0, 1, false, 0}}, Eigen::VectorXd::Ones(1), Eigen::VectorXd::Ones(1), s, sim),
                    Catch::Contains("unknown global algorithm"));
}

TEST_CASE("msm: J equals Q at the optimum when W is the inverse of Omega, and follows the general formula", "[msm]") {
  // Linear model, no simulation noise: Omega = diag(se^2) = W^-1. Targets off the model's range:
  // at the optimum J = e' (P Omega P')^+ e must equal e' W e = Q (Hansen 1982).
  const LinearProblem lp;
  const Eigen::VectorXd targets = lp.a * lp.truth + lp.b + Eigen::Vector4d(0.05, -0.1, 0.08, 0.2);
  const MsmSettings s = exact_local_settings(3000, 1e-13, 0);
  const MsmResult r =
      estimate_msm({{"x", -1, 2, false, 0.5}, {"y", 0.1, 5, false, 1.0}}, targets, lp.se, s, linear(lp.a, lp.b, 2));
  CHECK(r.objective > 0.1);
  CHECK(r.j_statistic == Approx(r.objective).epsilon(1e-4));
}

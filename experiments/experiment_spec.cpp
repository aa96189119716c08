#include "sim/scenario/input_file.hpp"
#include "experiments/experiment_spec.hpp"

#include <cmath>
#include <boost/random/sobol.hpp>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <tuple>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <set>
#include <sstream>

#include "sim/core/rng.hpp"
#include "output/calibration_file.hpp"
#include <Eigen/Dense>
#include <boost/math/distributions/normal.hpp>
#include "sim/scenario/table_reader.hpp"

namespace chipsim {

namespace {
// Runs in one batch at most: run indices are int, and each run's design costs ~100 bytes (a
// resource guard, not a model parameter).
constexpr double kMaxRuns = 10'000'000;
}  // namespace

namespace {

// Latin hypercube: each parameter's range cut into n strata, one point per stratum, strata
// permuted independently per parameter (Fisher-Yates with counter-based draws).
std::vector<std::vector<double>> latin_hypercube(int n, const std::vector<SweepParameter>& params, std::uint64_t seed) {
  std::vector<std::vector<double>> pts(static_cast<std::size_t>(n), std::vector<double>(params.size()));
  const RandomKey key{seed, 0};
  for (std::size_t d = 0; d < params.size(); ++d) {
    std::vector<int> perm(static_cast<std::size_t>(n));
    std::iota(perm.begin(), perm.end(), 0);
    for (int i = n - 1; i > 0; --i) {
      const int j = static_cast<int>(uniform01(key, d, static_cast<std::uint64_t>(i), RandomPurpose::sweep_design) * (i + 1));
      std::swap(perm[static_cast<std::size_t>(i)], perm[static_cast<std::size_t>(j)]);
    }
    for (int i = 0; i < n; ++i) {
      const double u = (perm[static_cast<std::size_t>(i)] + uniform01(key, d, static_cast<std::uint64_t>(i), RandomPurpose::sweep_design, 1)) / n;
      pts[static_cast<std::size_t>(i)][d] = params[d].min + u * (params[d].max - params[d].min);
    }
  }
  return pts;
}

// Sobol low-discrepancy points (Boost.Random's sobol engine, Joe-Kuo direction numbers): the
// first n points of the sequence, the origin included. Boost's engine starts after the origin,
// so the origin is point 0 and the engine gives points 1 ... n - 1. The first 2^m points form a
// (t, m, s)-net: with n = 2^m every 1/n-th of every axis holds exactly one point (a design of
// another size is not balanced: the loader warns).
std::vector<std::vector<double>> sobol(int n, const std::vector<SweepParameter>& params) {
  boost::random::sobol engine(params.size());
  const double scale = 1.0 / (static_cast<double>(engine.max()) + 1.0);
  std::vector<std::vector<double>> pts(static_cast<std::size_t>(n), std::vector<double>(params.size()));
  for (int i = 0; i < n; ++i)
    for (std::size_t d = 0; d < params.size(); ++d) {
      const double u = i == 0 ? 0.0 : static_cast<double>(engine()) * scale;
      pts[static_cast<std::size_t>(i)][d] = params[d].min + u * (params[d].max - params[d].min);
    }
  return pts;
}

std::vector<std::vector<double>> grid(const std::vector<SweepParameter>& params) {
  std::vector<std::vector<double>> pts{{}};
  for (const SweepParameter& p : params) {
    std::vector<std::vector<double>> next;
    for (const auto& prefix : pts)
      for (double v : p.values) {
        auto q = prefix;
        q.push_back(v);
        next.push_back(std::move(q));
      }
    pts = std::move(next);
  }
  return pts;
}

}  // namespace

std::uint64_t replicate_seed(std::uint64_t master_seed, int replicate) {
  return random_block(RandomKey{master_seed, 0}, static_cast<std::uint64_t>(replicate), 0, RandomPurpose::replicate_seed).word[0];
}

namespace {

// [uncertainty]: `calibration = "report.h5"` draws the report's identified estimates from a
// normal with their estimated covariance (truncated at the bounds), and [[uncertainty.parameter]]
// declares others: uniform (min, max) or normal (mean, sd, optional min/max truncation).
void read_uncertainty(TableReader& u, const std::filesystem::path& dir, ExperimentSpec& x) {
  std::vector<double> sd;                   // of declared normals
  std::vector<std::vector<double>> report_cov;  // of the report's draws
  std::size_t report_first = 0, report_n = 0;
  if (u.has("calibration")) {
    x.uncertainty_source = (dir / u.string("calibration")).lexically_normal().string();
    CalibrationEstimates e;
    try {
      e = read_calibration_estimates(x.uncertainty_source);
    } catch (const IoError& err) {
      u.fail("calibration", err.what());
    }
    std::vector<std::size_t> kept;
    for (std::size_t k = 0; k < e.names.size(); ++k)
      if (e.identified[k]) kept.push_back(k);
    if (kept.empty()) u.fail("calibration", "the report has no identified parameter to draw");
    report_first = x.draws.size();
    report_n = kept.size();
    for (std::size_t k : kept) {
      ParameterDraw d;
      d.name = e.names[k];
      d.paths = e.paths[k];
      d.distribution = "normal";
      d.mean = e.estimate[k];
      d.min = e.lower[k];
      d.max = e.upper[k];
      d.where = u.where("calibration");
      x.draws.push_back(d);
    }
    for (std::size_t a : kept) {
      report_cov.emplace_back();
      for (std::size_t b : kept) report_cov.back().push_back(e.covariance[a][b]);
    }
  }
  for (TableReader& p : u.tables("parameter")) {
    ParameterDraw d;
    d.where = p.where();
    d.paths = p.has("paths") ? p.strings("paths") : std::vector<std::string>{p.string("path")};
    d.name = p.optional_string("name").value_or(d.paths.front());
    d.distribution = p.string("distribution");
    if (d.distribution == "uniform") {
      d.min = p.number("min", -1e300, 1e300);
      d.max = p.number("max", -1e300, 1e300);
      if (!(d.max > d.min)) p.fail("max", "must be above min");
      sd.push_back(0);
    } else if (d.distribution == "normal") {
      d.mean = p.number("mean", -1e300, 1e300);
      sd.push_back(p.number("sd", 0, 1e300));
      d.min = p.number_or("min", -1e300, -1e300, 1e300);
      d.max = p.number_or("max", 1e300, -1e300, 1e300);
      if (!(d.max > d.min)) p.fail("max", "must be above min");
    } else {
      p.fail("distribution", "must be \"uniform\" or \"normal\", got \"" + d.distribution + "\"");
    }
    p.optional_string("source");
    p.optional_string("note");
    p.finish();
    x.draws.push_back(d);
  }
  u.finish();
  if (x.draws.empty()) u.fail("parameter", "an [uncertainty] table needs calibration = \"report.h5\" or [[uncertainty.parameter]] entries");
  std::set<std::string> seen;
  for (const ParameterDraw& d : x.draws)
    for (const std::string& path : d.paths) {
      if (!seen.insert(path).second) fail_at(d.where, "uncertainty: " + path + " is drawn twice");
      for (const SweepParameter& s : x.sweep)
        if (s.path == path) fail_at(d.where, "uncertainty: " + path + " is both swept and drawn");
    }
  // Covariance of all draws (uniform rows zero): the report's block, then declared sds.
  const std::size_t n = x.draws.size();
  Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  for (std::size_t a = 0; a < report_n; ++a)
    for (std::size_t b = 0; b < report_n; ++b)
      cov(static_cast<Eigen::Index>(report_first + a), static_cast<Eigen::Index>(report_first + b)) = report_cov[a][b];
  for (std::size_t k = 0; k < sd.size(); ++k) {
    const auto i = static_cast<Eigen::Index>(report_first + report_n + k);
    cov(i, i) = sd[k] * sd[k];
  }
  // A covariance that is only positive semi-definite (a zero-sd draw) is factored by LDLT.
  Eigen::LDLT<Eigen::MatrixXd> ldlt(cov);
  if (ldlt.info() != Eigen::Success || (ldlt.vectorD().array() < -1e-12 * std::max(1e-300, cov.diagonal().maxCoeff())).any())
    u.fail("calibration", "the covariance of the draws is not positive semi-definite");
  const Eigen::MatrixXd l = ldlt.transpositionsP().transpose() * Eigen::MatrixXd(ldlt.matrixL()) *
                            ldlt.vectorD().cwiseMax(0.0).cwiseSqrt().asDiagonal();
  x.draw_cholesky.assign(n, std::vector<double>(n));
  for (std::size_t a = 0; a < n; ++a)
    for (std::size_t b = 0; b < n; ++b) x.draw_cholesky[a][b] = l(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b));
}

}  // namespace

std::vector<double> draw_parameters(const ExperimentSpec& spec, int replicate) {
  const std::size_t n = spec.draws.size();
  std::vector<double> z(n), out(n);
  for (std::size_t k = 0; k < n; ++k)
    z[k] = standard_normal(RandomKey{spec.master_seed, 0}, k, static_cast<std::uint64_t>(replicate), RandomPurpose::parameter_draw);
  for (std::size_t a = 0; a < n; ++a) {
    const ParameterDraw& d = spec.draws[a];
    if (d.distribution == "uniform") {
      out[a] = d.min + (d.max - d.min) * uniform01(RandomKey{spec.master_seed, 0}, a, static_cast<std::uint64_t>(replicate),
                                                   RandomPurpose::parameter_draw, 1);
      continue;
    }
    // Normal draws: correlated through the covariance factor, each then mapped onto its normal
    // truncated to [min, max] by its quantile (a Gaussian copula with truncated-normal
    // marginals: no mass piles up at a bound, whatever the standard error).
    double e = 0, sd2 = 0;
    for (std::size_t b = 0; b < n; ++b) e += spec.draw_cholesky[a][b] * z[b], sd2 += spec.draw_cholesky[a][b] * spec.draw_cholesky[a][b];
    const double sd = std::sqrt(sd2);
    if (!(sd > 0)) {
      out[a] = std::clamp(d.mean, d.min, d.max);
      continue;
    }
    // Bounds in standard units; a window in the upper tail is mirrored into the lower one, where
    // the normal's cdf keeps its precision.
    double a_z = std::max(-40.0, (d.min - d.mean) / sd), b_z = std::min(40.0, (d.max - d.mean) / sd), e_z = e / sd, sign = 1;
    if (a_z > 0) std::tie(a_z, b_z, e_z, sign) = std::make_tuple(-b_z, -a_z, -e_z, -1.0);
    const boost::math::normal unit;
    const double lo = boost::math::cdf(unit, a_z), hi = boost::math::cdf(unit, b_z);
    const double u = std::clamp(lo + boost::math::cdf(unit, e_z) * (hi - lo), 1e-300, 1.0 - 1e-16);
    out[a] = hi > lo ? std::clamp(d.mean + sign * sd * boost::math::quantile(unit, u), d.min, d.max)
                     : std::clamp(d.mean + sign * sd * 0.5 * (a_z + b_z), d.min, d.max);
  }
  return out;
}

ExperimentSpec load_experiment(const std::string& path) {
  ExperimentSpec x;
  x.file = path;
  x.text = read_input_file(path, "experiment file");
  const toml::table doc = parse_toml(x.text, path);
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(path).parent_path();
  TableReader root(doc, path, "");
  auto e = root.table("experiment");
  if (!e) root.fail("experiment", "missing: an experiment file needs an [experiment] table");
  x.name = e->string("name");
  const std::string base = (dir / e->string("base")).lexically_normal().string();
  if (const std::string why = input_file_problem(base); !why.empty()) e->fail("base", why + ": " + base);
  x.replicates = static_cast<int>(e->integer("replicates", 1, 1000000));
  x.master_seed = static_cast<std::uint64_t>(e->integer("master_seed", 0, INT64_MAX));
  const std::string outputs = e->optional_string("outputs").value_or("summaries");
  if (outputs != "summaries" && outputs != "full") e->fail("outputs", "must be \"summaries\" or \"full\"");
  x.keep_full_series = outputs == "full";
  x.focus_country = e->optional_string("focus_country").value_or("CN");
  const SourceLocation focus_where = e->has("focus_country") ? e->where("focus_country") : e->where("name");
  const std::string default_baseline = e->optional_string("baseline").value_or("");
  e->finish();

  // Variants: none listed = the base scenario alone.
  std::vector<std::pair<std::string, std::string>> baselines;  // (variant, baseline name) to resolve
  std::vector<SourceLocation> baseline_where;
  auto variant_tables = root.tables("variant");
  if (variant_tables.empty()) x.variants.push_back({"base", base, -1});
  std::set<std::string> names;
  for (TableReader& v : variant_tables) {
    Variant var;
    var.name = v.string("name");
    if (!names.insert(var.name).second) v.fail("name", "duplicate variant \"" + var.name + "\"");
    var.scenario_path = v.has("scenario") ? (dir / v.string("scenario")).lexically_normal().string() : base;
    if (const std::string why = input_file_problem(var.scenario_path); !why.empty())
      v.fail("scenario", why + ": " + var.scenario_path);
    const std::string b = v.optional_string("baseline").value_or(default_baseline);
    baselines.emplace_back(var.name, b);
    baseline_where.push_back(v.where("baseline"));
    v.finish();
    x.variants.push_back(var);
  }
  for (std::size_t k = 0; k < baselines.size(); ++k) {
    const std::string& b = baselines[k].second;
    if (b.empty() || b == x.variants[k].name) continue;
    auto it = std::find_if(x.variants.begin(), x.variants.end(), [&](const Variant& v) { return v.name == b; });
    if (it == x.variants.end()) fail_at(baseline_where[k], "variant " + x.variants[k].name + ": unknown baseline variant \"" + b + "\"");
    x.variants[k].baseline = static_cast<int>(it - x.variants.begin());
  }

  if (auto s = root.table("sweep")) {
    x.sweep_method = s->string("method");
    if (x.sweep_method != "grid" && x.sweep_method != "latin_hypercube" && x.sweep_method != "sobol")
      s->fail("method", "must be \"grid\", \"latin_hypercube\" or \"sobol\"");
    if (x.sweep_method != "grid") x.sweep_points = static_cast<int>(s->integer("points", 1, 1000000));
    if (x.sweep_method == "sobol" && (x.sweep_points & (x.sweep_points - 1)) != 0)
      std::cerr << s->where("points").to_string() << ": warning: sweep.points = " << x.sweep_points
                << " is not a power of two: a Sobol design is balanced (one point in every 1/n-th of each axis) only "
                   "for 2^m points\n";
    for (TableReader& p : s->tables("parameter")) {
      SweepParameter sp;
      sp.path = p.string("path");
      sp.where = p.where("path");
      if (x.sweep_method == "grid") {
        const toml::node* n = p.raw().get("values");
        if (!n || !n->is_array() || n->as_array()->empty()) p.fail("values", "a grid needs a non-empty list of values");
        p.mark_used("values");
        for (const auto& v : *n->as_array()) {
          if (!v.is_number()) p.fail("values", "must be numbers");
          sp.values.push_back(v.value<double>().value());
          if (!std::isfinite(sp.values.back())) p.fail("values", "must be finite numbers");
        }
      } else {
        sp.min = p.number("min", -1e300, 1e300);
        sp.max = p.number("max", -1e300, 1e300);
        if (!(sp.max > sp.min)) p.fail("max", "must be above min");
      }
      for (const SweepParameter& q : x.sweep)
        if (q.path == sp.path) p.fail("path", "swept twice: " + sp.path);
      p.finish();
      x.sweep.push_back(sp);
    }
    if (x.sweep.empty()) s->fail("parameter", "a sweep needs at least one [[sweep.parameter]]");
    if (x.sweep_method == "grid") {
      double points = 1;
      for (const SweepParameter& q : x.sweep) points *= static_cast<double>(q.values.size());
      if (points > kMaxRuns) s->fail("parameter", "the grid has " + std::to_string(points) + " points, more than a batch can hold");
    }
    s->finish();
    if (x.sweep_method == "grid") x.point_values = grid(x.sweep);
    else if (x.sweep_method == "latin_hypercube") x.point_values = latin_hypercube(x.sweep_points, x.sweep, x.master_seed);
    else x.point_values = sobol(x.sweep_points, x.sweep);
    x.sweep_points = static_cast<int>(x.point_values.size());
  } else {
    x.point_values = {{}};
  }
  if (auto u = root.table("uncertainty")) read_uncertainty(*u, dir, x);
  root.finish();

  const double n_runs = static_cast<double>(x.variants.size()) * static_cast<double>(x.point_values.size()) * x.replicates;
  if (n_runs > kMaxRuns)
    fail_at({path, 0, 0}, "the experiment has " + std::to_string(static_cast<long long>(n_runs)) +
                              " runs (variants x sweep points x replicates), more than the " +
                              std::to_string(static_cast<long long>(kMaxRuns)) + " a batch can hold; split it");

  // Every variant at every sweep point must load (errors now, not in run 517): checked in
  // parallel, the first failure in (variant, point) order reported, located in the experiment.
  {
    const std::size_t V = x.variants.size(), P = x.point_values.size();
    std::vector<std::exception_ptr> failures(V * P);
    std::vector<char> has_focus(V, 1);
    tbb::parallel_for(std::size_t(0), V * P, [&](std::size_t k) {
      try {
        const Model m = load_variant_at_point(x, static_cast<int>(k / P), static_cast<int>(k % P));
        if (k % P == 0 && !m.country_index(x.focus_country)) has_focus[k / P] = 0;
      } catch (...) {
        failures[k] = std::current_exception();
      }
    });
    for (const auto& f : failures)
      if (f) std::rethrow_exception(f);
    for (std::size_t v = 0; v < V; ++v)
      if (!has_focus[v])
        fail_at(focus_where, "focus_country: \"" + x.focus_country + "\" is not a country of variant " + x.variants[v].name);
  }

  // Every drawn path applies to every variant (errors at the draw), checked at the mean draw.
  for (const ParameterDraw& d : x.draws)
    for (const Variant& v : x.variants)
      for (const std::string& p : d.paths) try {
          (void)load_scenario(v.scenario_path, {{p, d.distribution == "uniform" ? 0.5 * (d.min + d.max) : d.mean}});
        } catch (const ScenarioError& e) {
          fail_at(d.where, "uncertainty: parameter " + d.name + ": path \"" + p + "\" does not load in variant " + v.name + ": " + e.what());
        }

  for (int v = 0; v < static_cast<int>(x.variants.size()); ++v)
    for (int p = 0; p < x.sweep_points; ++p)
      for (int r = 0; r < x.replicates; ++r) {
        RunSpec run;
        run.index = static_cast<int>(x.runs.size());
        run.variant = v;
        run.point = p;
        run.replicate = r;
        run.seed = replicate_seed(x.master_seed, r);
        for (std::size_t d = 0; d < x.sweep.size(); ++d)
          run.overrides.push_back({x.sweep[d].path, x.point_values[static_cast<std::size_t>(p)][d]});
        if (!x.draws.empty()) {
          const std::vector<double> drawn = draw_parameters(x, r);
          for (std::size_t d = 0; d < x.draws.size(); ++d)
            for (const std::string& path : x.draws[d].paths) run.overrides.push_back({path, drawn[d]});
        }
        x.runs.push_back(std::move(run));
      }
  return x;
}

Model load_variant_at_point(const ExperimentSpec& spec, int variant, int point) {
  const Variant& v = spec.variants[static_cast<std::size_t>(variant)];
  std::vector<ScenarioOverride> overrides;
  for (std::size_t d = 0; d < spec.sweep.size(); ++d)
    overrides.push_back({spec.sweep[d].path, spec.point_values[static_cast<std::size_t>(point)][d]});
  try {
    return load_scenario(v.scenario_path, overrides);
  } catch (const ScenarioError& e) {
    // An error located in a scenario file is the scenario's own; an unlocated one (line 0) comes
    // from the overrides: report it where the sweep is written.
    if (spec.sweep.empty() || e.where().line > 0) throw;
    const SweepParameter* culprit = &spec.sweep.front();
    for (const SweepParameter& p : spec.sweep)
      if (std::string(e.what()).find(p.path) != std::string::npos) culprit = &p;
    std::ostringstream values;
    for (std::size_t d = 0; d < spec.sweep.size(); ++d)
      values << (d ? ", " : "") << spec.sweep[d].path << " = " << spec.point_values[static_cast<std::size_t>(point)][d];
    fail_at(culprit->where, "sweep.parameter.path: variant " + v.name + " at sweep point " + std::to_string(point) + " (" +
                                values.str() + ") does not load: " + e.what());
  }
}

}  // namespace chipsim

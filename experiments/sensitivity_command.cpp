#include "experiments/sensitivity_command.hpp"

#include <tbb/global_control.h>
#include <tbb/info.h>

#include <algorithm>
#include <optional>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include "calibration/sensitivity.hpp"
#include "calibration/calibration_spec.hpp"
#include "experiments/task_pool.hpp"
#include "sim/core/error.hpp"
#include "sim/pipeline/pipeline.hpp"
#include "sim/scenario/input_file.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/scenario/table_reader.hpp"
#include "sim/scenario/assumptions.hpp"
#include <tbb/parallel_for.h>
#include <set>

namespace chipsim {

namespace fs = std::filesystem;

namespace {

struct Parameter {
  std::string path;                // its label (the first path)
  std::vector<std::string> also;   // further keys moved with it (a calibration's group)
  double min = 0, max = 0;
  SourceLocation where;
};

// Mean over the periods of `year` of China's self-sufficiency by compute (accelerators).
double self_sufficiency_in(const Model& m, const Series& s, int year) {
  const Variable& v = s.variable("self_sufficiency_compute");  // time x kind x country
  const auto cn = m.country_index("CN");
  if (!cn) return std::nan("");
  double sum = 0;
  int n = 0;
  for (std::size_t t = 0; t < s.n_periods(); ++t)
    if (s.time_labels[t].rfind(std::to_string(year), 0) == 0) {
      const double x = v.data[t * v.row_size + static_cast<std::size_t>(*cn)];  // kind 0 = accelerators
      if (!std::isnan(x)) sum += x, ++n;
    }
  return n ? 100.0 * sum / n : std::nan("");
}

double revenue_of(const Model& m, const Series& s, int firm) {
  const Variable& v = s.variable("revenue");  // time x firm x destination
  const auto C = static_cast<std::size_t>(m.n_countries());
  double sum = 0;
  for (std::size_t t = 0; t < s.n_periods(); ++t)
    for (std::size_t c = 0; c < C; ++c) sum += v.data[t * v.row_size + static_cast<std::size_t>(firm) * C + c];
  return sum;
}

}  // namespace

SensitivityResult run_sensitivity(const SensitivityOptions& o) {
  const auto started = std::chrono::steady_clock::now();
  toml::table doc = parse_toml(read_input_file(o.spec_path, "sensitivity file"), o.spec_path);
  TableReader root(doc, o.spec_path, "");
  auto t = root.table("sensitivity");
  if (!t) root.fail("sensitivity", "missing: a sensitivity file needs a [sensitivity] table");
  SensitivityResult r;
  r.name = t->string("name");
  const std::string scenario = t->input_path("scenario");
  // Without a baseline, one run per point and the firms' cumulative revenue (not its loss).
  const std::string baseline = t->has("baseline") ? t->input_path("baseline") : std::string();
  r.method = t->string("method");
  if (r.method != "morris" && r.method != "sobol") t->fail("method", "must be \"morris\" or \"sobol\", got \"" + r.method + "\"");
  const auto seed = static_cast<std::uint64_t>(t->integer_or("seed", 0, 0, INT64_MAX));
  int trajectories = 0, levels = 0, samples = 0, bootstrap = 0;
  if (r.method == "morris") {
    trajectories = static_cast<int>(t->integer("trajectories", 2, 100000));
    levels = static_cast<int>(t->integer_or("levels", 4, 2, 100));
    if (levels % 2) t->fail("levels", "must be even (the Morris step is levels / (2 (levels - 1)))");
  } else {
    samples = static_cast<int>(t->integer("samples", 2, 1 << 20));
    bootstrap = static_cast<int>(t->integer_or("bootstrap", 200, 0, 100000));
  }
  // assumptions = true: every numeric key the scenario marks ASSUMPTION is a parameter, over
  // [v (1 - r), v (1 + r)] with r = relative_range (keys at 0, tables and keys no override can
  // address, and keys whose range does not load, e.g. a whole-number key, are left out).
  const bool all_assumptions = t->boolean_or("assumptions", false);
  // calibration = "file.calib.toml": its parameters, over their prior ranges (groups of keys move together).
  std::vector<Parameter> from_calibration;
  if (t->has("calibration")) {
    const std::string calib = t->input_path("calibration");
    const CalibrationSpec spec = load_calibration_spec(calib);
    for (const CalibrationParameter& c : spec.parameters) {
      Parameter x;
      x.path = c.paths.front();
      x.also.assign(c.paths.begin() + 1, c.paths.end());
      x.min = c.prior_min;
      x.max = c.prior_max;
      x.where = c.where;
      from_calibration.push_back(x);
    }
  }
  const double relative_range = t->number_or("relative_range", 0.5, 1e-6, 0.99);
  const SourceLocation assumptions_where = t->where("assumptions");
  t->optional_string("note");
  t->finish();
  std::vector<Parameter> params;
  for (TableReader& p : root.tables("parameter")) {
    Parameter x;
    x.path = p.string("path");
    x.where = p.where("path");
    x.min = p.number("min", -1e18, 1e18);
    x.max = p.number("max", -1e18, 1e18);
    if (!(x.max > x.min)) p.fail("max", "must be above min");
    p.optional_string("source");
    p.optional_string("note");
    p.finish();
    params.push_back(x);
    r.parameters.push_back(x.path);
  }
  root.finish();
  for (const Parameter& x : from_calibration) {
    if (std::any_of(params.begin(), params.end(), [&](const Parameter& p) { return p.path == x.path; })) continue;
    params.push_back(x);
    r.parameters.push_back(x.path + (x.also.empty() ? "" : " (+" + std::to_string(x.also.size()) + ")"));
  }
  if (all_assumptions) {
    const Model own = load_scenario(scenario);
    std::set<std::string> declared;
    for (const Parameter& p : params) {
      declared.insert(p.path);
      declared.insert(p.also.begin(), p.also.end());
    }
    std::vector<Parameter> found;
    for (const Assumption& a : find_assumptions(own.scenario_text)) {
      if (declared.count(a.path) || a.path.find('*') != std::string::npos || a.path.rfind("event.", 0) == 0) continue;
      const auto v = scenario_value(own.scenario_text, a.path);
      if (!v || *v == 0) continue;
      Parameter p;
      p.path = a.path;
      p.min = std::min(*v * (1 - relative_range), *v * (1 + relative_range));
      p.max = std::max(*v * (1 - relative_range), *v * (1 + relative_range));
      p.where = assumptions_where;
      found.push_back(p);
    }
    std::vector<char> loads(found.size(), 0);  // both ends of the range must load
    tbb::parallel_for(std::size_t{0}, found.size(), [&](std::size_t i) {
      try {
        (void)load_scenario(scenario, {{found[i].path, found[i].min}});
        (void)load_scenario(scenario, {{found[i].path, found[i].max}});
        loads[i] = 1;
      } catch (const Error&) {
      }
    });
    for (std::size_t i = 0; i < found.size(); ++i)
      if (loads[i]) {
        params.push_back(found[i]);
        r.parameters.push_back(found[i].path);
      } else {
        r.skipped.push_back(found[i].path);
      }
  }
  if (params.empty()) root.fail("parameter", "missing: declare at least one [[parameter]] with path, min and max (or assumptions = true)");
  const int k = static_cast<int>(params.size());

  // The design in the unit cube, scaled to the ranges.
  MorrisDesign morris;
  SaltelliDesign saltelli;
  const std::vector<std::vector<double>>& unit = r.method == "morris"
                                                     ? (morris = morris_design(k, trajectories, levels, seed)).points
                                                     : (saltelli = saltelli_design(k, samples)).points;
  const std::size_t n_points = unit.size();

  // Every point: the scenario and its baseline with the same seed; the outputs.
  const Model probe = load_scenario(scenario);
  for (const Parameter& p : params) {  // a path the scenario does not know is reported at the parameter
    if (p.where.line == assumptions_where.line && p.where.file == assumptions_where.file) continue;  // checked above
    std::vector<ScenarioOverride> at_min = {{p.path, p.min}};
    for (const std::string& q : p.also) at_min.push_back({q, p.min});
    try {
      (void)load_scenario(scenario, at_min);
    } catch (const ScenarioError& e) {
      fail_at(p.where, "parameter.path: \"" + p.path + "\" does not apply to " + scenario + ": " + e.what());
    }
  }
  r.outputs = {"CN self-sufficiency 2025 (%)", "CN self-sufficiency 2030 (%)"};
  for (const Firm& f : probe.firms) r.outputs.push_back((baseline.empty() ? "revenue " : "revenue loss ") + f.name + " (USD bn)");
  const std::size_t n_out = r.outputs.size();
  std::vector<std::vector<double>> y(n_out, std::vector<double>(n_points, 0.0));
  const std::uint64_t run_seed = seed ? seed : probe.default_seed;
  const int threads = o.threads > 0 ? o.threads : tbb::info::default_concurrency();
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  // Design points run in parallel on this process's threads and, under MPI, across ranks.
  const auto rows = run_tasks(n_points, n_out, [&](std::size_t i) {
    std::vector<ScenarioOverride> overrides;
    for (int d = 0; d < k; ++d) {
      const Parameter& p = params[static_cast<std::size_t>(d)];
      const double value = p.min + unit[i][static_cast<std::size_t>(d)] * (p.max - p.min);
      overrides.push_back({p.path, value});
      for (const std::string& q : p.also) overrides.push_back({q, value});
    }
    RunOptions ro;
    ro.seed = run_seed;
    std::optional<Model> loaded_policy, loaded_base;
    try {
      loaded_policy.emplace(load_scenario(scenario, overrides));
      if (!baseline.empty()) loaded_base.emplace(load_scenario(baseline, overrides));
    } catch (const ScenarioError&) {
      // The point's combination breaks a rule between keys (e.g. a floor above its level): no
      // value; Morris leaves out its effects, Sobol reports NaN for the output.
      return std::vector<double>(n_out, std::nan(""));
    }
    const Model& policy = *loaded_policy;
    const State sp = run_model(policy, ro);
    std::vector<double> out(n_out);
    out[0] = self_sufficiency_in(policy, sp.series, 2025);
    out[1] = self_sufficiency_in(policy, sp.series, 2030);
    if (!loaded_base) {
      for (int f = 0; f < policy.n_firms(); ++f) out[2 + static_cast<std::size_t>(f)] = revenue_of(policy, sp.series, f) / 1e9;
      return out;
    }
    const Model& base = *loaded_base;
    const State sb = run_model(base, ro);
    for (int f = 0; f < policy.n_firms(); ++f)
      out[2 + static_cast<std::size_t>(f)] = (revenue_of(base, sb.series, f) - revenue_of(policy, sp.series, f)) / 1e9;
    return out;
  });
  for (std::size_t i = 0; i < n_points; ++i)
    for (std::size_t q = 0; q < n_out; ++q) y[q][i] = rows[i][q];
  r.runs = static_cast<int>((baseline.empty() ? 1 : 2) * n_points);
  // Points that did not load, counted from the results (identical on every rank).
  r.failed_points = 0;
  for (const auto& row : rows)
    if (std::all_of(row.begin(), row.end(), [](double v) { return std::isnan(v); })) ++r.failed_points;
  for (std::size_t q = 0; q < n_out; ++q) {
    if (r.method == "morris") {
      const MorrisIndices m = morris_indices(morris, y[q]);
      r.mu.push_back(m.mu), r.mu_star.push_back(m.mu_star), r.sigma.push_back(m.sigma);
    } else {
      const SobolIndices s = sobol_indices(saltelli, y[q], bootstrap, seed + 1);
      r.first.push_back(s.first), r.total.push_back(s.total);
      r.first_low.push_back(s.first_low), r.first_high.push_back(s.first_high);
      r.total_low.push_back(s.total_low), r.total_high.push_back(s.total_high);
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return r;
}

void print_sensitivity(const SensitivityResult& r, std::ostream& out, int top) {
  char buf[256];
  out << "chipsim sensitivity: " << r.name << " (" << r.method << ", " << r.parameters.size() << " parameters, " << r.runs
      << " runs in " << r.seconds << " s)\n";
  if (r.failed_points > 0)
    out << "  " << r.failed_points << " design points did not load (their combination of values breaks a rule between keys); "
        << "their elementary effects are left out (Sobol: the indices of every output are NaN)\n";
  if (!r.skipped.empty()) {
    out << "  " << r.skipped.size() << " ASSUMPTION keys left out (their range does not load, e.g. a whole-number key):";
    for (const std::string& p : r.skipped) out << " " << p;
    out << "\n";
  }
  for (std::size_t q = 0; q < r.outputs.size(); ++q) {
    out << "\n" << r.outputs[q] << "\n";
    std::vector<std::size_t> order(r.parameters.size());
    std::iota(order.begin(), order.end(), 0);
    const auto& key = r.method == "morris" ? r.mu_star[q] : r.total[q];
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return key[a] > key[b]; });
    if (r.method == "morris")
      std::snprintf(buf, sizeof buf, "  %-52s %12s %12s %12s\n", "parameter", "mu*", "mu", "sigma");
    else
      std::snprintf(buf, sizeof buf, "  %-52s %24s %24s\n", "parameter", "S1 [95% bootstrap]", "ST [95% bootstrap]");
    out << buf;
    for (std::size_t n = 0; n < order.size() && static_cast<int>(n) < top; ++n) {
      const std::size_t i = order[n];
      if (r.method == "morris")
        std::snprintf(buf, sizeof buf, "  %-52s %12.4g %12.4g %12.4g\n", r.parameters[i].c_str(), r.mu_star[q][i], r.mu[q][i], r.sigma[q][i]);
      else
        std::snprintf(buf, sizeof buf, "  %-52s %6.3f [%6.3f, %6.3f] %6.3f [%6.3f, %6.3f]\n", r.parameters[i].c_str(), r.first[q][i],
                      r.first_low[q][i], r.first_high[q][i], r.total[q][i], r.total_low[q][i], r.total_high[q][i]);
      out << buf;
    }
  }
}

void write_sensitivity_csv(const SensitivityResult& r, const std::string& path) {
  std::ofstream out(path);
  if (!out) throw IoError(path + ": cannot write the sensitivity table");
  out.precision(17);
  out << "output,parameter,statistic,value,low,high\n";
  for (std::size_t q = 0; q < r.outputs.size(); ++q)
    for (std::size_t i = 0; i < r.parameters.size(); ++i) {
      const std::string head = "\"" + r.outputs[q] + "\"," + r.parameters[i] + ",";
      if (r.method == "morris") {
        out << head << "mu_star," << r.mu_star[q][i] << ",,\n" << head << "mu," << r.mu[q][i] << ",,\n" << head << "sigma," << r.sigma[q][i] << ",,\n";
      } else {
        out << head << "S1," << r.first[q][i] << "," << r.first_low[q][i] << "," << r.first_high[q][i] << "\n";
        out << head << "ST," << r.total[q][i] << "," << r.total_low[q][i] << "," << r.total_high[q][i] << "\n";
      }
    }
  if (!out.flush()) throw IoError(path + ": write failed (is the disk full?)");
}

}  // namespace chipsim

#include "experiments/validate_fit.hpp"

#include <tbb/global_control.h>
#include <tbb/info.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "calibration/moment_kind.hpp"
#include "calibration/moments.hpp"
#include "calibration/targets.hpp"
#include "experiments/task_pool.hpp"
#include "sim/core/error.hpp"
#include "sim/pipeline/pipeline.hpp"
#include "sim/scenario/scenario.hpp"

namespace chipsim {

namespace {

struct Row {
  ValidationFigure figure;
  const MomentKind* kind = nullptr;
  MomentArgs args;
  Window window;
};

std::vector<Row> read_figures(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw IoError(path + ": cannot open the figures file");
  std::string line;
  std::vector<Row> rows;
  const std::vector<std::string> header = {"figure", "kind", "arguments", "period", "value", "unit", "tolerance", "tolerance_type", "source", "note"};
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::vector<std::string> f = split_csv_line(line);
    auto fail = [&](std::size_t column, const std::string& why) {
      fail_at(SourceLocation{path, n, 0}, "column " + std::to_string(column + 1) + " (" +
                                              (column < header.size() ? header[column] : std::string("?")) + "): " + why);
    };
    if (n == 1) {
      for (std::size_t c = 0; c < header.size(); ++c)
        if (c >= f.size() || f[c] != header[c]) fail(c, "the header must be " + std::string("figure,kind,arguments,period,value,unit,tolerance,tolerance_type,source,note"));
      continue;
    }
    if (f.size() != header.size()) fail(std::min(f.size(), header.size() - 1), "expected 10 fields, got " + std::to_string(f.size()));
    Row r;
    r.figure.figure = f[0];
    r.figure.kind = f[1];
    r.kind = find_moment_kind(f[1]);
    if (!r.kind) fail(1, "unknown moment kind \"" + f[1] + "\"");
    std::size_t start = 0;
    while (start < f[2].size()) {
      const std::size_t end = std::min(f[2].find(';', start), f[2].size());
      const std::string pair = f[2].substr(start, end - start);
      const auto eq = pair.find('=');
      if (eq == std::string::npos) fail(2, "expected name=value pairs separated by ';', got \"" + pair + "\"");
      const std::string name = pair.substr(0, eq);
      const bool allowed = std::count(r.kind->required.begin(), r.kind->required.end(), name) ||
                           std::count(r.kind->optional.begin(), r.kind->optional.end(), name);
      if (!allowed) fail(2, "\"" + name + "\" is not an argument of moment kind " + f[1]);
      r.args[name] = pair.substr(eq + 1);
      start = end + 1;
    }
    for (const std::string& a : r.kind->required)
      if (!r.args.count(a)) fail(2, "moment kind " + f[1] + " needs " + a);
    r.figure.period = f[3];
    const auto range = period_months(f[3]);
    if (!range) fail(3, "not a period: use 2025, 2025H1, 2025Q3, 2025-02 or \"FY2025 (to Jan 2025)\"");
    r.window = {range->first, range->second};
    auto number = [&](std::size_t c) {
      char* end = nullptr;
      const double v = std::strtod(f[c].c_str(), &end);
      if (f[c].empty() || *end || !std::isfinite(v)) fail(c, "not a number: \"" + f[c] + "\"");
      return v;
    };
    r.figure.value = number(4);
    r.figure.unit = f[5];
    if (!unit_scale(r.kind->base_unit, f[5])) fail(5, "\"" + f[5] + "\" does not express moment kind " + f[1] + "'s " + r.kind->base_unit);
    r.figure.tolerance = number(6);
    if (!(r.figure.tolerance > 0)) fail(6, "must be above 0");
    r.figure.tolerance_type = f[7];
    if (f[7] != "relative" && f[7] != "absolute") fail(7, "must be relative or absolute, got \"" + f[7] + "\"");
    if (f[7] == "relative" && r.figure.value == 0) fail(7, "a relative tolerance needs a value other than 0: use absolute");
    r.figure.source = f[8];
    if (f[8].empty()) fail(8, "every figure needs its source");
    rows.push_back(std::move(r));
  }
  if (rows.empty()) fail_at(SourceLocation{path, n, 0}, "no figures after the header");
  return rows;
}

}  // namespace

ValidationResult validate_fit(const std::string& scenario, const std::string& figures_csv, int replicates, std::uint64_t seed, int threads) {
  std::vector<Row> rows = read_figures(figures_csv);
  const Model model = load_scenario(scenario);
  const std::uint64_t run_seed = seed ? seed : model.default_seed;
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads > 0 ? threads : tbb::info::default_concurrency()));
  const auto values = run_tasks(static_cast<std::size_t>(replicates), rows.size(), [&](std::size_t r) {
    RunOptions ro;
    ro.seed = run_seed;
    ro.run = r;
    const State s = run_model(model, ro);
    std::vector<double> out;
    for (const Row& row : rows) {
      const auto v = evaluate_moment(*row.kind, model, s.series, row.window, row.args, row.figure.unit);
      out.push_back(v ? *v : std::nan(""));
    }
    return out;
  });
  ValidationResult result;
  result.scenario = scenario;
  result.figures_file = figures_csv;
  result.replicates = replicates;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    ValidationFigure f = rows[i].figure;
    double sum = 0, sq = 0;
    for (const auto& v : values) sum += v[i];
    f.simulated = sum / replicates;
    for (const auto& v : values) sq += (v[i] - f.simulated) * (v[i] - f.simulated);
    f.simulated_sd = replicates > 1 ? std::sqrt(sq / (replicates - 1)) : 0.0;
    const double error = f.tolerance_type == "relative" ? std::abs(f.simulated / f.value - 1) : std::abs(f.simulated - f.value);
    f.pass = std::isfinite(f.simulated) && error <= f.tolerance;
    result.passed += f.pass;
    result.figures.push_back(f);
  }
  return result;
}

void print_validation(const ValidationResult& r, std::ostream& out) {
  char buf[512];
  out << "chipsim validate-fit: " << r.scenario << " against " << r.figures_file << " (" << r.replicates << " replicates)\n";
  std::snprintf(buf, sizeof buf, "%-54s %-20s %11s %11s %9s %13s  %s\n", "figure", "period", "published", "simulated", "sim. sd", "tolerance", "");
  out << buf;
  for (const ValidationFigure& f : r.figures) {
    const std::string tol = (f.tolerance_type == "relative" ? "±" + std::to_string(static_cast<int>(std::lround(100 * f.tolerance))) + " %"
                                                            : "±" + [&] { char t[32]; std::snprintf(t, sizeof t, "%g", f.tolerance); return std::string(t); }());
    std::snprintf(buf, sizeof buf, "%-54s %-20s %11.4g %11.4g %9.3g %13s  %s\n", f.figure.substr(0, 54).c_str(), f.period.substr(0, 20).c_str(), f.value,
                  f.simulated, f.simulated_sd, tol.c_str(), std::isnan(f.simulated) ? "NO VALUE" : f.pass ? "pass" : "FAIL");
    out << buf;
  }
  out << r.passed << " of " << r.figures.size() << " figures within their tolerance\n";
}

}  // namespace chipsim

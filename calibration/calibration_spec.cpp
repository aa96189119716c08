#include "calibration/calibration_spec.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "calibration/moments.hpp"
#include "sim/scenario/input_file.hpp"
#include "sim/scenario/table_reader.hpp"

namespace chipsim {

namespace fs = std::filesystem;

double relative_se_of_confidence(char confidence) {
  switch (confidence) {
    case 'H': return 0.10;
    case 'M': return 0.25;
    case 'L': return 0.50;
    default: return std::nan("");
  }
}

namespace {

const std::vector<std::string> kArgumentNames = {"firm", "product", "destination", "origin", "variable", "dimension", "element"};

// Reads the search settings; a key not given keeps spec's value (the defaults, or a base file's).
void read_settings(TableReader& t, CalibrationSpec& spec) {
  MsmSettings& s = spec.settings;
  s.replicates = static_cast<int>(t.integer_or("replicates", s.replicates, 1, 100000));
  spec.seed = static_cast<std::uint64_t>(t.integer_or("seed", static_cast<std::int64_t>(spec.seed), 0, INT64_MAX));
  s.seed = spec.seed + 1;
  const std::string weighting = t.optional_string("weighting").value_or(s.optimal_weighting ? "optimal" : "diagonal");
  if (weighting != "diagonal" && weighting != "optimal") t.fail("weighting", "must be \"diagonal\" or \"optimal\", got \"" + weighting + "\"");
  s.optimal_weighting = weighting == "optimal";
  s.global_algorithm = t.optional_string("global_algorithm").value_or(s.global_algorithm);
  if (s.global_algorithm != "crs2" && s.global_algorithm != "direct" && s.global_algorithm != "isres" && s.global_algorithm != "none")
    t.fail("global_algorithm", "must be crs2, direct, isres or none, got \"" + s.global_algorithm + "\"");
  s.global_evaluations = static_cast<int>(t.integer_or("global_evaluations", s.global_evaluations, 1, 10000000));
  s.local_algorithm = t.optional_string("local_algorithm").value_or(s.local_algorithm);
  if (s.local_algorithm != "bobyqa" && s.local_algorithm != "neldermead" && s.local_algorithm != "sbplx" && s.local_algorithm != "none")
    t.fail("local_algorithm", "must be bobyqa, neldermead, sbplx or none, got \"" + s.local_algorithm + "\"");
  s.local_evaluations = static_cast<int>(t.integer_or("local_evaluations", s.local_evaluations, 1, 10000000));
  s.x_tolerance = t.number_or("x_tolerance", s.x_tolerance, 1e-15, 0.5);
  s.profile_points = static_cast<int>(t.integer_or("profile_points", s.profile_points, 0, 1000));
  if (s.profile_points == 1) t.fail("profile_points", "must be 0 (no profile) or at least 2");
  s.jacobian_step = t.number_or("jacobian_step", s.jacobian_step, 1e-6, 0.25);
  if (t.has("window_end")) spec.window_end = t.month("window_end");
  if (t.has("run_until")) spec.run_until = t.month("run_until").to_string();
}

CalibrationParameter read_parameter(TableReader& p) {
  CalibrationParameter x;
  x.where = p.where();
  if (p.has("paths"))
    x.paths = p.strings("paths");
  else
    x.paths = {p.string("path")};
  if (x.paths.empty()) p.fail("paths", "must name at least one scenario key");
  x.name = p.optional_string("name").value_or(x.paths.front());
  x.min = p.number("min", -1e300, 1e300);
  x.max = p.number("max", -1e300, 1e300);
  if (!(x.max > x.min)) p.fail("max", "must be above min");
  const std::string transform = p.optional_string("transform").value_or("none");
  if (transform != "none" && transform != "log") p.fail("transform", "must be \"none\" or \"log\", got \"" + transform + "\"");
  x.log_scale = transform == "log";
  if (x.log_scale && x.min <= 0) p.fail("min", "must be above 0 with transform = \"log\"");
  x.start = x.log_scale ? std::sqrt(x.min * x.max) : 0.5 * (x.min + x.max);
  if (p.has("start")) x.start = p.number("start", x.min, x.max), x.start_given = true;
  x.prior_min = p.number_or("prior_min", x.min, x.min, x.max);
  x.prior_max = p.number_or("prior_max", x.max, x.min, x.max);
  if (!(x.prior_max > x.prior_min)) p.fail("prior_max", "must be above prior_min");
  x.source = p.optional_string("source").value_or("");
  p.optional_string("note");
  p.finish();
  return x;
}

CalibrationMoment read_moment(TableReader& t, const Month& window_end) {
  CalibrationMoment m;
  m.where = t.where();
  m.kind = t.string("kind");
  const MomentKind* kind = find_moment_kind(m.kind);
  if (!kind) {
    std::string known;
    for (const std::string& k : moment_kind_names()) known += (known.empty() ? "" : ", ") + k;
    t.fail("kind", "unknown moment kind \"" + m.kind + "\" (known: " + known + ")");
  }
  for (const std::string& a : kArgumentNames) {
    if (!t.has(a)) continue;
    const bool allowed = std::count(kind->required.begin(), kind->required.end(), a) ||
                         std::count(kind->optional.begin(), kind->optional.end(), a);
    if (!allowed) t.fail(a, "is not an argument of moment kind " + m.kind);
    m.args[a] = t.string(a);
  }
  for (const std::string& a : kind->required)
    if (!m.args.count(a)) t.fail(a, "missing: moment kind " + m.kind + " needs " + a);
  m.period = t.string("period");
  const auto range = period_months(m.period);
  if (!range) t.fail("period", "not a period: use 2024, 2023H1, 2024Q3, 2023-05 or \"FY2024 (to Jan 2024)\"");
  m.window = {range->first, range->second};
  if (window_end < m.window.last)
    t.fail("period", "ends after the calibration window (" + window_end.to_string() +
                         "): later figures are for out-of-sample checks (chipsim validate-fit), never for fitting");
  m.unit = t.string("unit");
  if (!unit_scale(kind->base_unit, m.unit)) t.fail("unit", "\"" + m.unit + "\" does not express moment kind " + m.kind + "'s " + kind->base_unit);
  m.target = t.number("target", -1e300, 1e300);
  const int given = static_cast<int>(t.has("se")) + static_cast<int>(t.has("relative_se")) + static_cast<int>(t.has("confidence"));
  if (given != 1) t.fail("se", "give exactly one of se, relative_se and confidence (H, M, L: 10, 25, 50 % of the target)");
  if (t.has("se")) m.se = t.number("se", 1e-300, 1e300);
  if (t.has("relative_se")) m.se = std::abs(m.target) * t.number("relative_se", 1e-12, 100);
  if (t.has("confidence")) {
    const std::string c = t.string("confidence");
    if (c != "H" && c != "M" && c != "L") t.fail("confidence", "must be H, M or L, got \"" + c + "\"");
    m.se = std::abs(m.target) * relative_se_of_confidence(c[0]);
  }
  if (!(m.se > 0)) t.fail("target", "a relative standard error needs a target other than 0; give se instead");
  m.source = t.string("source");
  std::string name = m.kind;
  for (const auto& [k, v] : m.args) name += " " + v;
  m.name = t.optional_string("name").value_or(name + " " + m.period);
  t.optional_string("note");
  t.finish();
  return m;
}

}  // namespace

CalibrationSpec load_calibration_spec(const std::string& path, int depth) {
  CalibrationSpec spec;
  spec.file = path;
  spec.text = read_input_file(path, "calibration file");
  toml::table doc = parse_toml(spec.text, path);
  TableReader root(doc, path, "");
  auto t = root.table("calibration");
  if (!t) root.fail("calibration", "missing: a calibration file needs a [calibration] table");
  // base = "other.calib.toml": start from that file's settings, parameters and moments (each
  // located in its own file); this file's keys win, its parameters and moments are added.
  const bool has_base = t->has("base");
  if (has_base) {
    if (depth >= 8) t->fail("base", "calibration files extend each other too deeply (a cycle?)");
    const std::string base = t->input_path("base");
    CalibrationSpec inherited = load_calibration_spec(base, depth + 1);
    inherited.file = spec.file;
    inherited.text = spec.text + "\n# ---- base " + base + "\n" + inherited.text;
    spec = std::move(inherited);
  }
  spec.name = has_base ? t->optional_string("name").value_or(spec.name) : t->string("name");
  if (!has_base || t->has("scenario")) spec.scenario = t->input_path("scenario");
  read_settings(*t, spec);
  t->optional_string("note");
  t->finish();
  std::set<std::string> names;
  for (const CalibrationParameter& p : spec.parameters) names.insert(p.name);
  for (TableReader& p : root.tables("parameter")) {
    spec.parameters.push_back(read_parameter(p));
    if (!names.insert(spec.parameters.back().name).second) p.fail("name", "a second parameter named " + spec.parameters.back().name);
  }
  if (spec.parameters.empty()) root.fail("parameter", "missing: declare at least one [[parameter]] with path (or paths), min and max");
  names.clear();
  for (const CalibrationMoment& m : spec.moments) names.insert(m.name);
  for (TableReader& m : root.tables("moment")) {
    spec.moments.push_back(read_moment(m, spec.window_end));
    if (!names.insert(spec.moments.back().name).second)
      m.fail("name", "a second moment named \"" + spec.moments.back().name + "\" (give each a distinct name)");
  }
  for (const CalibrationMoment& m : spec.moments)  // inherited ones too, against this file's window
    if (spec.window_end < m.window.last)
      fail_at(m.where, "moment \"" + m.name + "\": its period ends after the calibration window (" + spec.window_end.to_string() +
                           "): later figures are for out-of-sample checks (chipsim validate-fit), never for fitting");
  if (!spec.run_until.empty())
    for (std::size_t i = 0; i < spec.moments.size(); ++i)
      if (spec.moments[i].window.last.to_string() > spec.run_until)
        fail_at(spec.moments[i].where, "moment \"" + spec.moments[i].name + "\": its period ends after calibration.run_until (" + spec.run_until + ")");
  if (spec.moments.size() < spec.parameters.size())
    root.fail("moment", "fewer moments (" + std::to_string(spec.moments.size()) + ") than parameters (" +
                            std::to_string(spec.parameters.size()) + "): the parameters cannot be identified");
  root.finish();
  return spec;
}

}  // namespace chipsim

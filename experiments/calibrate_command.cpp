#include "experiments/calibrate_command.hpp"

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <unistd.h>

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

#include "experiments/task_pool.hpp"
#include "output/calibration_file.hpp"
#include "output/hdf5_writer.hpp"
#include "output/temp_files.hpp"
#include "sim/core/build_info.hpp"
#include "sim/core/error.hpp"
#include "sim/pipeline/pipeline.hpp"
#include "sim/scenario/scenario.hpp"

namespace chipsim {

namespace fs = std::filesystem;

namespace {

std::vector<ScenarioOverride> overrides_of(const CalibrationSpec& spec, const Eigen::VectorXd& x) {
  std::vector<ScenarioOverride> out;
  if (!spec.run_until.empty()) out.push_back({"scenario.horizon", 0, spec.run_until});
  for (std::size_t k = 0; k < spec.parameters.size(); ++k)
    for (const std::string& path : spec.parameters[k].paths) out.push_back({path, x(static_cast<Eigen::Index>(k))});
  return out;
}

std::uint64_t fnv1a(const std::string& text, std::uint64_t h = 1469598103934665603ULL) {
  for (unsigned char ch : text) h = (h ^ ch) * 1099511628211ULL;
  return h;
}

// The journal of simulated points: a header naming the calibration (a hash of the calibration
// file, the resolved scenario and the build, and the shape), then one line per point: "point",
// its K values, its R x M moments, all as C99 hexadecimal floats (exact), and "end". A line
// without its "end" (cut short by a kill) is ignored on resume. Rank 0 alone decides, reads
// and writes it; the other ranks get its text from rank 0 (experiments/task_pool.hpp), so every
// rank resumes from the same points.
class Journal {
 public:
  Journal(std::string path, const std::string& header, std::size_t k, std::size_t width, bool resume, bool writer)
      : path_(std::move(path)), k_(k), width_(width), writer_(writer) {
    // Rank 0: "exists\n" + the file's text, or "new\n"; errors become a message every rank throws.
    std::string shared;
    if (writer_) {
      std::error_code ec;
      if (!fs::exists(path_, ec)) {
        shared = "new\n";
      } else if (!resume) {
        shared = "error\n" + path_ + ": the journal of an interrupted calibration is there: continue it with --resume, or delete it to start again";
      } else {
        std::ifstream in(path_, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        shared = "exists\n" + text.str();
      }
    }
    shared = broadcast_text(shared);
    const std::string state = shared.substr(0, shared.find('\n'));
    const std::string body = shared.substr(std::min(shared.size(), state.size() + 1));
    if (state == "error") throw IoError(body);
    const bool exists = state == "exists";
    if (exists) {
      std::istringstream in(body);
      std::string line;
      if (!std::getline(in, line) || line != header)
        throw IoError(path_ + ": this journal belongs to another calibration (the file, the scenario, the build or the shape changed); delete it to start again");
      while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string tag, w;
        words >> tag;
        if (tag != "point") continue;
        std::vector<double> values;
        bool complete = false;
        while (words >> w) {
          if (w == "end") {
            complete = !(words >> w);  // "end" must close the line
            break;
          }
          char* stop = nullptr;
          values.push_back(std::strtod(w.c_str(), &stop));
          if (stop == w.c_str() || *stop) break;
        }
        if (!complete || values.size() != k_ + width_) continue;  // a line cut short
        done_.emplace(std::vector<double>(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k_)),
                      std::vector<double>(values.begin() + static_cast<std::ptrdiff_t>(k_), values.end()));
      }
    }
    if (writer_) {
      file_ = std::fopen(path_.c_str(), exists ? "a" : "w");
      if (!file_) throw IoError(path_ + ": cannot write the calibration journal (does the folder exist and is it writable?)");
      if (!exists) write(header + "\n");
      else if (!body.empty() && body.back() != '\n') write("\n");  // close a line cut short
    }
  }
  ~Journal() {
    if (file_) std::fclose(file_);
  }
  const std::vector<double>* find(const std::vector<double>& point) const {
    const auto it = done_.find(point);
    return it == done_.end() ? nullptr : &it->second;
  }
  void record(const std::vector<double>& point, const std::vector<double>& moments) {
    done_.emplace(point, moments);
    if (!writer_) return;
    std::string line = "point";
    char buf[64];
    for (double v : point) std::snprintf(buf, sizeof buf, " %a", v), line += buf;
    for (double v : moments) std::snprintf(buf, sizeof buf, " %a", v), line += buf;
    write(line + " end\n");
  }
  void remove() {
    if (file_) std::fclose(file_), file_ = nullptr;
    if (writer_) {
      std::error_code ec;
      fs::remove(path_, ec);
    }
  }
  std::size_t loaded() const { return done_.size(); }

 private:
  void write(const std::string& s) {
    if (std::fwrite(s.data(), 1, s.size(), file_) != s.size() || std::fflush(file_) != 0)
      throw IoError(path_ + ": cannot write the calibration journal (is the disk full?)");
  }
  std::string path_;
  std::size_t k_, width_;
  bool writer_;
  std::FILE* file_ = nullptr;
  std::map<std::vector<double>, std::vector<double>> done_;
};

}  // namespace

std::vector<double> calibration_moments(const CalibrationSpec& spec, const Model& m, const Series& s) {
  std::vector<double> out;
  for (const CalibrationMoment& c : spec.moments) {
    const auto v = evaluate_moment(*find_moment_kind(c.kind), m, s, c.window, c.args, c.unit);
    out.push_back(v ? *v : std::nan(""));
  }
  return out;
}

CalibrateResult run_calibration(const CalibrateOptions& o) {
  const auto started = std::chrono::steady_clock::now();
  CalibrateResult result;
  result.spec = load_calibration_spec(o.spec_path);
  const Model base = load_scenario(result.spec.scenario);
  result.scenario_text = base.scenario_text;
  // Without a declared start, the search starts from the scenario's own value (within bounds).
  for (CalibrationParameter& p : result.spec.parameters)
    if (!p.start_given)
      if (const auto v = scenario_value(base.scenario_text, p.paths.front())) p.start = std::clamp(*v, p.min, p.max);
  const CalibrationSpec& spec = result.spec;
  const std::size_t K = spec.parameters.size(), M = spec.moments.size();
  const int R = spec.settings.replicates;

  // Every path applies to the scenario (errors at the parameter), and the scenario has a value
  // for every moment at the start (errors at the moment).
  Eigen::VectorXd start(static_cast<Eigen::Index>(K));
  for (std::size_t k = 0; k < K; ++k) start(static_cast<Eigen::Index>(k)) = spec.parameters[k].start;
  for (const CalibrationParameter& p : spec.parameters)
    for (const std::string& path : p.paths) try {
        (void)load_scenario(spec.scenario, {{path, p.start}});
      } catch (const ScenarioError& e) {
        fail_at(p.where, "parameter " + p.name + ": path \"" + path + "\" does not apply to " + spec.scenario + ": " + e.what());
      }
  const std::uint64_t seed = spec.seed ? spec.seed : base.default_seed;
  {
    const Model probe = load_scenario(spec.scenario, overrides_of(spec, start));
    RunOptions ro;
    ro.seed = seed;
    const State s = run_model(probe, ro);
    const std::vector<double> m = calibration_moments(spec, probe, s.series);
    for (std::size_t i = 0; i < M; ++i)
      if (std::isnan(m[i]))
        fail_at(spec.moments[i].where, "moment \"" + spec.moments[i].name + "\": the scenario has no value for it (an unknown firm, product or country, "
                                       "or a period outside the scenario's horizon)");
  }

  const std::string header = "chipsim-calibration-journal 2 " +
                             std::to_string(fnv1a(spec.text, fnv1a(base.scenario_text, fnv1a(build_identity(build_info()))))) + " " +
                             std::to_string(K) + " " + std::to_string(M) + " " + std::to_string(R);
  Journal journal(o.report_path + ".journal", header, K, static_cast<std::size_t>(R) * M, o.resume, task_pool_rank() == 0);
  result.journalled = static_cast<int>(journal.loaded());
  const int threads = o.threads > 0 ? o.threads : tbb::info::default_concurrency();
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  const bool show = o.progress && task_pool_rank() == 0 && ::isatty(2);

  MsmSimulator simulate = [&](const std::vector<Eigen::VectorXd>& points) {
    std::vector<Eigen::MatrixXd> out(points.size(), Eigen::MatrixXd(R, static_cast<Eigen::Index>(M)));
    std::vector<std::size_t> todo;
    for (std::size_t p = 0; p < points.size(); ++p) {
      const std::vector<double> key(points[p].data(), points[p].data() + K);
      if (const std::vector<double>* hit = journal.find(key)) {
        for (int r = 0; r < R; ++r)
          for (std::size_t i = 0; i < M; ++i) out[p](r, static_cast<Eigen::Index>(i)) = (*hit)[static_cast<std::size_t>(r) * M + i];
      } else {
        todo.push_back(p);
      }
    }
    if (todo.empty()) return out;
    // One model per point, loaded once by whichever task needs it first.
    struct Slot {
      std::once_flag once;
      std::unique_ptr<const Model> model;
    };
    std::vector<std::unique_ptr<Slot>> models(todo.size());
    for (auto& s : models) s = std::make_unique<Slot>();
    const auto rows = run_tasks(todo.size() * static_cast<std::size_t>(R), M, [&](std::size_t task) {
      const std::size_t n = task / static_cast<std::size_t>(R);
      const int r = static_cast<int>(task % static_cast<std::size_t>(R));
      Slot& slot = *models[n];
      std::call_once(slot.once, [&] { slot.model = std::make_unique<const Model>(load_scenario(spec.scenario, overrides_of(spec, points[todo[n]]))); });
      RunOptions ro;
      ro.seed = seed;
      ro.run = static_cast<std::uint64_t>(r);
      const State s = run_model(*slot.model, ro);
      return calibration_moments(spec, *slot.model, s.series);
    });
    for (std::size_t n = 0; n < todo.size(); ++n) {
      std::vector<double> flat;
      for (int r = 0; r < R; ++r) {
        const auto& row = rows[n * static_cast<std::size_t>(R) + static_cast<std::size_t>(r)];
        for (std::size_t i = 0; i < M; ++i) out[todo[n]](r, static_cast<Eigen::Index>(i)) = row[i];
        flat.insert(flat.end(), row.begin(), row.end());
      }
      journal.record(std::vector<double>(points[todo[n]].data(), points[todo[n]].data() + K), flat);
    }
    result.simulated += static_cast<int>(todo.size());
    if (show) std::fprintf(stderr, "\rchipsim calibrate: %d points simulated (%d x %d runs)", result.simulated, result.simulated, R);
    return out;
  };

  std::vector<MsmParameter> params;
  for (const CalibrationParameter& p : spec.parameters) params.push_back({p.name, p.min, p.max, p.log_scale, p.start});
  Eigen::VectorXd targets(static_cast<Eigen::Index>(M)), se(static_cast<Eigen::Index>(M));
  for (std::size_t i = 0; i < M; ++i) targets(static_cast<Eigen::Index>(i)) = spec.moments[i].target, se(static_cast<Eigen::Index>(i)) = spec.moments[i].se;
  result.msm = estimate_msm(params, targets, se, spec.settings, simulate);
  if (show) std::fprintf(stderr, "\n");
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  if (task_pool_rank() == 0) {
    write_calibration_file(o.report_path, spec, result.msm, result.scenario_text, o.command_line, result.seconds);
    if (!o.scenario_path.empty()) {
      std::error_code ec;
      const fs::path out_dir = fs::absolute(fs::path(o.scenario_path), ec).parent_path();
      const std::string relative = fs::relative(spec.scenario, out_dir, ec).string();
      write_text_atomically(o.scenario_path, calibrated_scenario_text(result, ec || relative.empty() ? spec.scenario : relative),
                            "the calibrated scenario");
    }
    journal.remove();
  }
  return result;
}

std::string calibrated_scenario_text(const CalibrateResult& r, const std::string& base_relative) {
  const CalibrationSpec& spec = r.spec;
  const MsmResult& m = r.msm;
  const BuildInfo& b = build_info();
  std::ostringstream os;
  char buf[512];
  os << "# Calibrated by `chipsim calibrate " << spec.file << "` (" << spec.name << "), " << utc_now_iso8601() << ",\n"
     << "# chipsim " << b.version << " (" << b.git_revision << "). Method of simulated moments: " << spec.moments.size()
     << " moments (2022-24), " << spec.parameters.size() << " parameters, " << spec.settings.replicates
     << " replicates per point, " << (spec.settings.optimal_weighting ? "optimal two-step" : "diagonal") << " weighting.\n";
  std::snprintf(buf, sizeof buf, "# Objective Q = %.6g; J = %.4g with %d degrees of freedom (p = %.3g).\n", m.objective, m.j_statistic,
                m.degrees_of_freedom, m.j_p_value);
  os << buf << "# Standard errors: sandwich from the simulated Jacobian, with the simulation noise of the replicates.\n"
     << "[extend]\nbase = \"" << base_relative << "\"\n\n[extend.set]\n";
  for (std::size_t k = 0; k < spec.parameters.size(); ++k) {
    const CalibrationParameter& p = spec.parameters[k];
    const double x = m.estimate(static_cast<Eigen::Index>(k)), se = m.standard_error(static_cast<Eigen::Index>(k));
    if (std::isnan(se))
      std::snprintf(buf, sizeof buf, "# %s: ESTIMATED %.6g (not identified by the moments: no standard error); bounds [%.6g, %.6g]\n", p.name.c_str(), x,
                    p.min, p.max);
    else
      std::snprintf(buf, sizeof buf, "# %s: ESTIMATED %.6g (standard error %.3g; start %.6g); bounds [%.6g, %.6g]\n", p.name.c_str(), x, se, p.start, p.min, p.max);
    os << buf;
    for (const std::string& path : p.paths) {
      std::snprintf(buf, sizeof buf, "\"%s\" = %.17g\n", path.c_str(), x);
      os << buf;
    }
  }
  return os.str();
}

void print_model_comparison(const CalibrateResult& a, const CalibrateResult& b, std::ostream& out) {
  char buf[512];
  out << "\nmodel comparison on the same moments\n";
  std::snprintf(buf, sizeof buf, "%-32s %4s %4s %12s %12s %5s %9s\n", "calibration", "K", "M", "Q", "J", "dof", "p(J)");
  out << buf;
  for (const CalibrateResult* r : {&a, &b}) {
    std::snprintf(buf, sizeof buf, "%-32s %4zu %4zu %12.5g %12.5g %5d %9.3g\n", r->spec.name.substr(0, 32).c_str(), r->spec.parameters.size(),
                  r->spec.moments.size(), r->msm.objective, r->msm.j_statistic, r->msm.degrees_of_freedom, r->msm.j_p_value);
    out << buf;
  }
  bool same_moments = a.spec.moments.size() == b.spec.moments.size();
  for (std::size_t i = 0; same_moments && i < a.spec.moments.size(); ++i)
    same_moments = a.spec.moments[i].name == b.spec.moments[i].name && a.spec.moments[i].target == b.spec.moments[i].target &&
                   a.spec.moments[i].se == b.spec.moments[i].se;
  if (!same_moments) {
    out << "the two calibrations use different moments: their objectives are not comparable\n";
    return;
  }
  auto subset = [](const CalibrationSpec& small, const CalibrationSpec& big) {
    for (const CalibrationParameter& p : small.parameters)
      if (std::none_of(big.parameters.begin(), big.parameters.end(), [&](const CalibrationParameter& q) { return q.paths == p.paths; }))
        return false;
    return small.parameters.size() < big.parameters.size();
  };
  const CalibrateResult* restricted = subset(a.spec, b.spec) ? &a : subset(b.spec, a.spec) ? &b : nullptr;
  if (!restricted) {
    out << "neither model is the other restricted: compare Q and the J tests (lower Q fits better; a J test with p < 0.05 rejects its model)\n";
    return;
  }
  const CalibrateResult* general = restricted == &a ? &b : &a;
  const double d = std::max(0.0, restricted->msm.objective - general->msm.objective);
  const int dof = static_cast<int>(general->spec.parameters.size() - restricted->spec.parameters.size());
  const double p = boost::math::cdf(boost::math::complement(boost::math::chi_squared(dof), d));
  std::snprintf(buf, sizeof buf, "D test of %s as %s restricted: D = %.4g, %d degree(s) of freedom, p = %.3g\n", restricted->spec.name.c_str(),
                general->spec.name.c_str(), restricted->msm.objective - general->msm.objective, dof, p);
  out << buf;
  if (!restricted->spec.settings.optimal_weighting || !general->spec.settings.optimal_weighting)
    out << "(diagonal weighting: D is chi-squared only under optimal weighting, so its p-value is indicative; a negative D means "
           "the restricted search ended lower than the general one)\n";
  if (p < 0.05)
    out << "verdict: the moments favour " << general->spec.name << " (the restriction is rejected at 5 %)\n";
  else
    out << "verdict: the moments cannot tell " << restricted->spec.name << " and " << general->spec.name
        << " apart (the restriction is not rejected at 5 %): answers that differ between them are not settled by these data\n";
}

void print_calibration(const CalibrateResult& r, std::ostream& out) {
  const CalibrationSpec& spec = r.spec;
  const MsmResult& m = r.msm;
  char buf[512];
  out << "chipsim calibrate: " << spec.name << " (" << spec.parameters.size() << " parameters, " << spec.moments.size() << " moments, "
      << spec.settings.replicates << " replicates; " << m.evaluations << " points, " << r.journalled << " from the journal; "
      << r.seconds << " s)\n";
  out << "  search: " << spec.settings.global_algorithm << ": " << m.global_status << "; " << spec.settings.local_algorithm << ": "
      << m.local_status << "\n\n";
  std::snprintf(buf, sizeof buf, "%-44s %13s %11s %11s %11s %11s  %s\n", "parameter", "start", "estimate", "std. error", "min", "max", "");
  out << buf;
  for (std::size_t k = 0; k < spec.parameters.size(); ++k) {
    const auto K = static_cast<Eigen::Index>(k);
    const double x = m.estimate(K);
    const bool at_bound = std::abs(msm_to_unit({"", spec.parameters[k].min, spec.parameters[k].max, spec.parameters[k].log_scale, 0}, x) - 0.5) > 0.499;
    std::snprintf(buf, sizeof buf, "%-44s %13.6g %11.6g %11.3g %11.4g %11.4g  %s\n", spec.parameters[k].name.substr(0, 44).c_str(),
                  spec.parameters[k].start, x,
                  m.standard_error(K), spec.parameters[k].min, spec.parameters[k].max,
                  !m.identified[k] ? "not identified" : at_bound ? "at a bound" : "");
    out << buf;
  }
  out << "\n";
  std::snprintf(buf, sizeof buf, "%-44s %11s %10s %11s %10s %7s\n", "moment", "target", "se", "simulated", "sim. se", "t");
  out << buf;
  for (std::size_t i = 0; i < spec.moments.size(); ++i) {
    const auto I = static_cast<Eigen::Index>(i);
    std::snprintf(buf, sizeof buf, "%-44s %11.4g %10.3g %11.4g %10.3g %7.2f\n", spec.moments[i].name.substr(0, 44).c_str(), m.targets(I),
                  m.target_se(I), m.simulated(I), m.simulation_se(I), (m.simulated(I) - m.targets(I)) / m.target_se(I));
    out << buf;
  }
  std::snprintf(buf, sizeof buf, "\nobjective Q = %.6g (at the start %.6g; first step %.6g); J = %.4g, %d degrees of freedom, p = %.3g\n",
                m.objective, m.start_objective, m.first_step_objective, m.j_statistic, m.degrees_of_freedom, m.j_p_value);
  out << buf;
  if (spec.settings.replicates < 2)
    out << "warning: one replicate per point: the simulation noise of the moments is not estimated, so the standard errors and "
           "J leave it out (use replicates >= 2)\n";
}

}  // namespace chipsim

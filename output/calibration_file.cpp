#include "output/calibration_file.hpp"

#include "output/hdf5_util.hpp"
#include "output/hdf5_writer.hpp"
#include "sim/core/build_info.hpp"

namespace chipsim {

void write_calibration_file(const std::string& path, const CalibrationSpec& spec, const MsmResult& r,
                            const std::string& scenario_text, const std::string& command_line, double seconds) {
  h5::write_atomically(path, [&](hid_t file, h5::Writer& w) {
    const BuildInfo& b = build_info();
    for (const auto& [k, v] : std::vector<std::pair<const char*, std::string>>{
             {"Conventions", "CF-1.8"}, {"title", "chipsim calibrate: " + spec.name},
             {"method", "method of simulated moments (common random numbers; " +
                            std::string(spec.settings.optimal_weighting ? "optimal two-step" : "diagonal") + " weighting)"},
             {"calibration_file", spec.file}, {"calibration_text", spec.text}, {"scenario_file", spec.scenario},
             {"scenario_text", scenario_text}, {"global_search", spec.settings.global_algorithm + ": " + r.global_status},
             {"local_search", spec.settings.local_algorithm + ": " + r.local_status},
             {"chipsim_version", b.version}, {"git_revision", b.git_revision}, {"build_type", b.build_type},
             {"libraries", b.libraries}, {"runtime_libraries", b.runtime}, {"target_arch", b.arch}, {"compiler", b.compiler},
             {"written_utc", utc_now_iso8601()}, {"command_line", command_line}})
      w.text_attribute(file, k, v);
    w.number_attribute<double>(file, "objective", r.objective, H5T_NATIVE_DOUBLE);
    w.number_attribute<double>(file, "first_step_objective", r.first_step_objective, H5T_NATIVE_DOUBLE);
    w.number_attribute<double>(file, "start_objective", r.start_objective, H5T_NATIVE_DOUBLE);
    w.number_attribute<double>(file, "j_statistic", r.j_statistic, H5T_NATIVE_DOUBLE);
    w.number_attribute<int>(file, "j_degrees_of_freedom", r.degrees_of_freedom, H5T_NATIVE_INT);
    w.number_attribute<double>(file, "j_p_value", r.j_p_value, H5T_NATIVE_DOUBLE);
    w.number_attribute<int>(file, "replicates", spec.settings.replicates, H5T_NATIVE_INT);
    w.number_attribute<unsigned long long>(file, "seed", spec.seed, H5T_NATIVE_ULLONG);
    w.number_attribute<int>(file, "evaluations", r.evaluations, H5T_NATIVE_INT);
    w.number_attribute<double>(file, "seconds", seconds, H5T_NATIVE_DOUBLE);

    const std::size_t K = spec.parameters.size(), M = spec.moments.size();
    std::vector<std::string> pnames, paths, mnames, sources, units;
    for (const auto& p : spec.parameters) {
      pnames.push_back(p.name);
      std::string joined;
      for (const auto& x : p.paths) joined += (joined.empty() ? "" : " ") + x;
      paths.push_back(joined);
    }
    for (const auto& m : spec.moments) mnames.push_back(m.name), sources.push_back(m.source), units.push_back(m.unit);
    h5::Handle par = w.label_variable(file, "parameter", "free parameter", pnames, false, true);
    h5::Handle par2 = w.label_variable(file, "parameter2", "free parameter (second axis of matrices)", pnames, false, true);
    h5::Handle mom = w.label_variable(file, "moment", "moment (kind, arguments, period)", mnames, false, true);
    h5::Handle mom2 = w.label_variable(file, "moment2", "moment (second axis of matrices)", mnames, false, true);
    {
      h5::Handle x = w.label_variable(file, "parameter_paths", "scenario keys the parameter sets", paths, false, false);
      w.check(H5DSattach_scale(x, par, 0), "attaching parameter");
      h5::Handle y = w.label_variable(file, "moment_source", "source of the target", sources, false, false);
      w.check(H5DSattach_scale(y, mom, 0), "attaching moment");
      h5::Handle z = w.label_variable(file, "moment_unit", "unit of the target and simulated value", units, false, false);
      w.check(H5DSattach_scale(z, mom, 0), "attaching moment");
    }
    auto var = [&](const char* name, std::vector<hid_t> scales, std::vector<hsize_t> shape, const double* data, const char* unit,
                   const char* long_name) {
      h5::Handle ds = w.numeric_dataset(file, name, shape, data, false);
      for (std::size_t k = 0; k < scales.size(); ++k) w.check(H5DSattach_scale(ds, scales[k], static_cast<unsigned>(k)), name);
      w.text_attribute(ds, "units", unit);
      w.text_attribute(ds, "long_name", long_name);
    };
    std::vector<double> lo, hi, est(r.estimate.data(), r.estimate.data() + K), se(r.standard_error.data(), r.standard_error.data() + K),
        ident;
    for (std::size_t k = 0; k < K; ++k)
      lo.push_back(spec.parameters[k].min), hi.push_back(spec.parameters[k].max), ident.push_back(r.identified[k] ? 1.0 : 0.0);
    var("estimate", {par}, {K}, est.data(), "as the scenario key", "estimate of the parameter");
    std::vector<double> start;
    for (const auto& p : spec.parameters) start.push_back(p.start);
    var("start", {par}, {K}, start.data(), "as the scenario key", "start of the search (the scenario's own value unless declared)");
    var("standard_error", {par}, {K}, se.data(), "as the scenario key",
        "standard error from the simulated Jacobian (sandwich, with simulation noise); NaN where not identified");
    var("lower_bound", {par}, {K}, lo.data(), "as the scenario key", "lower bound of the search");
    var("upper_bound", {par}, {K}, hi.data(), "as the scenario key", "upper bound of the search");
    var("identified", {par}, {K}, ident.data(), "1", "1 where the moments move the parameter (G'WG of full rank)");
    Eigen::MatrixXd cov = r.covariance;  // row-major for HDF5
    std::vector<double> covv;
    for (std::size_t i = 0; i < K; ++i)
      for (std::size_t j = 0; j < K; ++j) covv.push_back(cov(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)));
    var("covariance", {par, par2}, {K, K}, covv.data(), "as the scenario keys' product", "covariance of the estimates");
    std::vector<double> tgt(r.targets.data(), r.targets.data() + M), tse(r.target_se.data(), r.target_se.data() + M),
        sim(r.simulated.data(), r.simulated.data() + M), sse(r.simulation_se.data(), r.simulation_se.data() + M);
    var("target", {mom}, {M}, tgt.data(), "see moment_unit", "published figure (2022-24)");
    var("target_se", {mom}, {M}, tse.data(), "see moment_unit", "standard error of the figure (stated, or from its confidence)");
    var("simulated", {mom}, {M}, sim.data(), "see moment_unit", "mean over replicates of the simulated moment at the estimate");
    var("simulation_se", {mom}, {M}, sse.data(), "see moment_unit", "standard error of that mean across replicates");
    std::vector<double> jac, wv;
    for (std::size_t i = 0; i < M; ++i)
      for (std::size_t k = 0; k < K; ++k) jac.push_back(r.jacobian(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(k)));
    for (std::size_t i = 0; i < M; ++i)
      for (std::size_t j = 0; j < M; ++j) wv.push_back(r.weight(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)));
    var("jacobian", {mom, par}, {M, K}, jac.data(), "moment unit per parameter unit", "d simulated moment / d parameter at the estimate");
    var("weight", {mom, mom2}, {M, M}, wv.data(), "1 / moment unit squared", "weighting matrix of the final step");
    if (!r.profile_values.empty()) {
      const std::size_t P = r.profile_values[0].size();
      std::vector<double> idx(P), pv, po;
      for (std::size_t i = 0; i < P; ++i) idx[i] = static_cast<double>(i);
      h5::Handle point = w.numeric_dataset(file, "profile_point", {P}, idx.data(), false);
      w.check(H5DSset_scale(point, "profile_point"), "making profile_point a dimension scale");
      for (std::size_t k = 0; k < K; ++k)
        pv.insert(pv.end(), r.profile_values[k].begin(), r.profile_values[k].end()),
            po.insert(po.end(), r.profile_objective[k].begin(), r.profile_objective[k].end());
      var("profile_value", {par, point}, {K, P}, pv.data(), "as the scenario key", "parameter value of the profile point (others at the estimate)");
      var("profile_objective", {par, point}, {K, P}, po.data(), "1", "objective Q at the profile point");
    }
    {
      const std::size_t E = r.trace.size();
      std::vector<double> idx(E);
      for (std::size_t i = 0; i < E; ++i) idx[i] = static_cast<double>(i);
      h5::Handle ev = w.numeric_dataset(file, "search_evaluation", {E}, idx.data(), false);
      w.check(H5DSset_scale(ev, "search_evaluation"), "making search_evaluation a dimension scale");
      var("search_trace", {ev}, {E}, r.trace.data(), "1", "best objective after each search evaluation");
    }
  });
}

CalibrationEstimates read_calibration_estimates(const std::string& path) {
  h5::Handle file = h5::open_for_reading(path);
  if (!h5::has_attribute(file, "calibration_text"))
    throw IoError(path + ": not a chipsim calibration report (no calibration_text attribute)");
  CalibrationEstimates e;
  e.names = h5::read_strings(file, "parameter", path);
  for (const std::string& joined : h5::read_strings(file, "parameter_paths", path)) {
    std::vector<std::string> paths;
    std::size_t start = 0;
    while (start <= joined.size()) {
      const std::size_t end = std::min(joined.find(' ', start), joined.size());
      if (end > start) paths.push_back(joined.substr(start, end - start));
      start = end + 1;
    }
    e.paths.push_back(paths);
  }
  e.estimate = h5::read_all<double>(file, "estimate", H5T_NATIVE_DOUBLE, path);
  e.standard_error = h5::read_all<double>(file, "standard_error", H5T_NATIVE_DOUBLE, path);
  e.lower = h5::read_all<double>(file, "lower_bound", H5T_NATIVE_DOUBLE, path);
  e.upper = h5::read_all<double>(file, "upper_bound", H5T_NATIVE_DOUBLE, path);
  for (double x : h5::read_all<double>(file, "identified", H5T_NATIVE_DOUBLE, path)) e.identified.push_back(x > 0.5);
  const std::vector<double> cov = h5::read_all<double>(file, "covariance", H5T_NATIVE_DOUBLE, path);
  const std::size_t K = e.names.size();
  if (e.paths.size() != K || e.estimate.size() != K || e.standard_error.size() != K || e.lower.size() != K || e.upper.size() != K ||
      e.identified.size() != K || cov.size() != K * K)
    throw IoError(path + ": the calibration report's parameter datasets do not agree in size");
  e.covariance.assign(K, std::vector<double>(K));
  for (std::size_t i = 0; i < K; ++i)
    for (std::size_t j = 0; j < K; ++j) e.covariance[i][j] = cov[i * K + j];
  return e;
}

}  // namespace chipsim

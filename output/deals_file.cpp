#include "output/deals_file.hpp"

#include <filesystem>

#include "output/hdf5_util.hpp"
#include "output/hdf5_writer.hpp"
#include "sim/core/build_info.hpp"

namespace chipsim {

void write_deals_file(const std::string& path, const DealResults& r, const std::string& command_line) {
  h5::write_atomically(path, [&](hid_t file, h5::Writer& w) {
      const BuildInfo& b = build_info();
      for (const auto& [k, v] : std::vector<std::pair<const char*, std::string>>{
               {"Conventions", "CF-1.8"}, {"title", "chipsim deals: " + r.name}, {"deals_file", r.spec_file},
               {"deals_text", r.spec_text}, {"status_quo_scenario_text", r.status_quo_text},
               {"chipsim_version", b.version}, {"git_revision", b.git_revision}, {"build_type", b.build_type},
               {"libraries", b.libraries}, {"runtime_libraries", b.runtime}, {"target_arch", b.arch},
               {"compiler", b.compiler}, {"written_utc", utc_now_iso8601()}, {"command_line", command_line},
               {"nash_solution", r.nash >= 0 ? r.deal_labels[static_cast<std::size_t>(r.nash)] : std::string("none: no deal gains both")}})
        w.text_attribute(file, k, v);
      w.number_attribute<int>(file, "nash_solution_index", r.nash, H5T_NATIVE_INT);
      const std::size_t D = r.deal_labels.size(), G = r.governments.size(), R = r.seeds.size(), K = r.term_names.size();
      h5::Handle deal = w.label_variable(file, "deal", "deal term set", r.deal_labels, false, true);
      h5::Handle gov = w.label_variable(file, "government", "government (country)", r.governments, false, true);
      h5::Handle term = w.label_variable(file, "term", "deal term", r.term_names, false, true);
      std::vector<double> reps(R);
      for (std::size_t k = 0; k < R; ++k) reps[k] = static_cast<double>(k);
      h5::Handle rep = w.numeric_dataset(file, "replicate", {R}, reps.data(), false);
      w.check(H5DSset_scale(rep, "replicate"), "making replicate a dimension scale");
      w.text_attribute(rep, "long_name", "replicate (common random numbers with the status quo)");
      {
        // Each replicate's seed, as uint64 and as decimal strings (exact in R too).
        h5::Handle seeds = w.typed_dataset(file, "seed", {R}, r.seeds.data(), H5T_STD_U64LE, H5T_NATIVE_UINT64, false);
        w.check(H5DSattach_scale(seeds, rep, 0), "attaching replicate to seed");
        w.text_attribute(seeds, "long_name", "random seed of the replicate");
        w.text_attribute(seeds, "units", "1");
        std::vector<std::string> text;
        for (std::uint64_t s : r.seeds) text.push_back(std::to_string(s));
        h5::Handle seed_text = w.label_variable(file, "seed_text", "random seed of the replicate, as a decimal string", text, true, false);
        w.check(H5DSattach_scale(seed_text, rep, 0), "attaching replicate to seed_text");
      }
      auto var = [&](const char* name, std::vector<hid_t> scales, std::vector<hsize_t> shape, const double* data, const char* units,
                     const char* long_name) {
        h5::Handle ds = w.numeric_dataset(file, name, shape, data, false);
        for (std::size_t k = 0; k < scales.size(); ++k) w.check(H5DSattach_scale(ds, scales[k], static_cast<unsigned>(k)), name);
        w.text_attribute(ds, "units", units);
        w.text_attribute(ds, "long_name", long_name);
      };
      std::vector<double> terms;
      for (const auto& row : r.deal_terms) terms.insert(terms.end(), row.begin(), row.end());
      var("deal_terms", {deal, term}, {D, K}, terms.data(), "1", "value of each term (HBM generation as an index, -1 = none)");
      var("score_gain", {deal, rep, gov}, {D, R, G}, r.gain.data(), "score-years", "present value of the government score gain against the status quo, from the deal's start");
      var("score_gain_mean", {deal, gov}, {D, G}, r.mean.data(), "score-years", "mean score gain across replicates");
      var("score_gain_ci95_low", {deal, gov}, {D, G}, r.ci_low.data(), "score-years", "lower end of the 95 % confidence interval of the mean");
      var("score_gain_ci95_high", {deal, gov}, {D, G}, r.ci_high.data(), "score-years", "upper end of the 95 % confidence interval of the mean");
      if (!r.threat_file.empty()) {
        w.text_attribute(file, "threat_point_file", r.threat_file);
        w.text_attribute(file, "threat_point_scenario_text", r.threat_text);
        w.number_attribute<int>(file, "nash_solution_vs_threat_index", r.nash_vs_threat, H5T_NATIVE_INT);
        var("score_gain_vs_threat", {deal, rep, gov}, {D, R, G}, r.gain_vs_threat.data(), "score-years",
            "present value of the score gain against the threat point (the disagreement outcome), from the deal's start");
        var("score_gain_vs_threat_mean", {deal, gov}, {D, G}, r.mean_vs_threat.data(), "score-years", "mean across replicates");
        std::vector<double> in_set(r.in_bargaining_set_vs_threat.begin(), r.in_bargaining_set_vs_threat.end());
        var("in_bargaining_set_vs_threat", {deal}, {D}, in_set.data(), "1", "1 if both governments gain on average against the threat point");
      }
      std::vector<double> in_set(r.in_bargaining_set.begin(), r.in_bargaining_set.end()), rob(r.robust.begin(), r.robust.end());
      var("in_bargaining_set", {deal}, {D}, in_set.data(), "1", "1 if both governments gain on average");
      var("robust", {deal}, {D}, rob.data(), "1", "1 if both gains are positive at the 95 % confidence level");
  });
}

}  // namespace chipsim

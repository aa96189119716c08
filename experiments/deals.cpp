#include "experiments/deals.hpp"

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "experiments/batch.hpp"
#include "experiments/experiment_spec.hpp"
#include "output/statistics.hpp"
#include "sim/pipeline/pipeline.hpp"
#include "sim/scenario/input_file.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/scenario/table_reader.hpp"

namespace chipsim {

namespace fs = std::filesystem;

namespace {

struct Terms {
  std::string hbm_max;   // "none" or a generation name
  double tpp_max = 0;    // 0: no accelerator licence
  double fee = 0;
  double tariff = 0;
  double mandate = 0;
  double quota_share = 0;  // licence volume quota: share of the maker's home shipments; 0 = none
  double guidance = 0;     // China's guidance against the exporter's accelerators: complying share of its buyers; 0 = none
  // China's critical-mineral export controls after the deal: their enforcement, applied to every
  // mineral it produces and every destination (0 = lifted, China's concession); < 0 = unchanged.
  double minerals = -1;
};

std::string label(const Terms& t) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "HBM<=%s, licence TPP<%.0f at %.0f%%, CN tariff %.0f%%, CN mandate %.0f%%", t.hbm_max.c_str(),
                t.tpp_max, 100 * t.fee, 100 * t.tariff, 100 * t.mandate);
  std::string out = t.tpp_max > 0 ? std::string(buf)
                                   : "HBM<=" + t.hbm_max + ", no licence, CN tariff " +
                                         std::to_string(static_cast<int>(std::lround(100 * t.tariff))) + "%, CN mandate " +
                                         std::to_string(static_cast<int>(std::lround(100 * t.mandate))) + "%";
  if (t.tpp_max > 0 && t.quota_share > 0) {
    char quota[48];
    std::snprintf(quota, sizeof quota, ", quota %.0f%% of home", 100 * t.quota_share);
    out += quota;
  }
  if (t.guidance > 0) out += ", CN guidance " + std::to_string(static_cast<int>(std::lround(100 * t.guidance))) + "%";
  if (t.minerals == 0) out += ", CN mineral controls lifted";
  if (t.minerals > 0) out += ", CN mineral controls at " + std::to_string(static_cast<int>(std::lround(100 * t.minerals))) + "%";
  return out;
}

// The deal as a scenario extending the status quo.
struct DealFrame {
  std::string us, cn;                        // exporter and importer governments
  std::vector<std::string> hbm_jurisdictions;  // origins the HBM relief covers
  double licence_tpp_min = 4800;             // the licence covers chips from this TPP (controlled ones) ...
};

// A TOML basic string: quotes, backslashes and control characters escaped.
std::string quoted(const std::string& v) {
  std::string s = "\"";
  for (const char ch : v) {
    if (ch == '"' || ch == '\\') {
      s += '\\';
      s += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(ch)));
      s += buf;
    } else {
      s += ch;
    }
  }
  return s + "\"";
}

std::string quoted_list(const std::vector<std::string>& v) {
  std::string s = "[";
  for (std::size_t k = 0; k < v.size(); ++k) s += (k ? ", " : "") + quoted(v[k]);
  return s + "]";
}

std::string deal_scenario(const std::string& status_quo, const std::string& start, const DealFrame& f, const Terms& t, int k) {
  const std::string& us = f.us;
  const std::string& cn = f.cn;
  std::ostringstream s;
  s.precision(17);
  s << "[extend]\nbase = " << quoted(status_quo) << "\n[scenario]\nname = \"deal_" << k << "\"\n";
  if (t.hbm_max != "none")
    s << "[[event]]\ndate = \"" << start << "\"\naction = \"add_control\"\nid = \"deal_hbm\"\nissuer = " << quoted(us)
      << "\njurisdictions = " << quoted_list(f.hbm_jurisdictions) << "\nkind = \"hbm\"\ndestinations = [" << quoted(cn)
      << "]\ntreatment = \"allow\"\n[[event.prong]]\nhbm_generation_le = " << quoted(t.hbm_max) << "\n";
  if (t.tpp_max > 0)
    s << "[[event]]\ndate = \"" << start << "\"\naction = \"add_control\"\nid = \"deal_licence\"\nissuer = " << quoted(us)
      << "\nkind = \"accelerator\"\ndestinations = [" << quoted(cn) << "]\ntreatment = \"licence\"\nlicence_fee = " << t.fee
      << "\napproval_probability = 1.0\n";
  if (t.tpp_max > 0 && t.quota_share > 0) s << "quota_share_of_home_shipments = " << t.quota_share << "\n";
  if (t.tpp_max > 0) s << "[[event.prong]]\ntpp_ge = " << f.licence_tpp_min << "\ntpp_lt = " << t.tpp_max << "\n";
  s << "[[event]]\ndate = \"" << start << "\"\naction = \"set_tariff\"\nimporter = " << quoted(cn) << "\norigin = " << quoted(us)
    << "\nkind = \"accelerator\"\nrate = " << t.tariff << "\n";
  s << "[[event]]\ndate = \"" << start << "\"\naction = \"set_government\"\ncountry = " << quoted(cn) << "\nprocurement_mandate = " << t.mandate
    << "\n";
  if (t.guidance > 0)
    s << "[[event]]\ndate = \"" << start << "\"\naction = \"buy_side_guidance\"\nid = \"deal_guidance\"\nimporter = " << quoted(cn)
      << "\norigins = [" << quoted(us) << "]\nkind = \"accelerator\"\ncoverage = " << t.guidance << "\n";
  if (t.minerals >= 0) {
    s << "[[event]]\ndate = \"" << start << "\"\naction = \"remove_mineral_control\"\nissuer = " << quoted(cn) << "\n";
    if (t.minerals > 0)
      s << "[[event]]\ndate = \"" << start << "\"\naction = \"add_mineral_control\"\nid = \"deal_minerals\"\nissuer = " << quoted(cn)
        << "\nenforcement = " << t.minerals << "\n";
  }
  return s.str();
}

std::vector<double> numbers(TableReader& t, const char* key) {
  const toml::node* n = t.raw().get(key);
  if (!n || !n->is_array() || n->as_array()->empty()) t.fail(key, "missing: a non-empty list of values");
  t.mark_used(key);
  std::vector<double> out;
  for (const auto& v : *n->as_array()) {
    if (!v.is_number()) t.fail(key, "must be a list of numbers");
    out.push_back(v.value<double>().value());
    if (!std::isfinite(out.back())) t.fail(key, "must be a list of finite numbers");
  }
  return out;
}

// Every deal's gains over a disagreement outcome (model `against` in `sums`, laid out as
// (model x replicate x government)): per replicate (deal x replicate x government), their mean
// and 95 % interval (deal x government), the bargaining set (both gain on average), its robust
// part (both intervals above 0) and the Nash solution (largest product of the mean gains).
struct Gains {
  std::vector<double> gain, mean, ci_low, ci_high;
  std::vector<int> in_set, robust;
  int nash = -1;
};
Gains gains_against(const std::vector<double>& sums, std::size_t D, std::size_t R, std::size_t G, std::size_t against) {
  Gains out;
  out.gain.assign(D * R * G, 0.0);
  out.mean.assign(D * G, 0.0);
  out.ci_low.assign(D * G, 0.0);
  out.ci_high.assign(D * G, 0.0);
  double best = -1;
  for (std::size_t k = 0; k < D; ++k) {
    for (std::size_t g = 0; g < G; ++g) {
      std::vector<double> sample;
      for (std::size_t rep = 0; rep < R; ++rep) {
        const double gain = sums[(k * R + rep) * G + g] - sums[(against * R + rep) * G + g];
        out.gain[(k * R + rep) * G + g] = gain;
        sample.push_back(gain);
      }
      const auto st = summarise(sample);
      out.mean[k * G + g] = st[0];
      out.ci_low[k * G + g] = st[1];
      out.ci_high[k * G + g] = st[2];
    }
    const bool both = out.mean[k * G] > 0 && out.mean[k * G + 1] > 0;
    out.in_set.push_back(both);
    out.robust.push_back(out.ci_low[k * G] > 0 && out.ci_low[k * G + 1] > 0);
    if (both && out.mean[k * G] * out.mean[k * G + 1] > best) {
      best = out.mean[k * G] * out.mean[k * G + 1];
      out.nash = static_cast<int>(k);
    }
  }
  return out;
}

}  // namespace

DealPlan plan_deals(const std::string& spec_path) {
  DealPlan plan;
  DealResults& r = plan.results;
  r.spec_file = spec_path;
  r.spec_text = read_input_file(spec_path, "deals file");
  toml::table doc = parse_toml(r.spec_text, spec_path);
  TableReader root(doc, spec_path, "");
  auto d = root.table("deals");
  if (!d) root.fail("deals", "missing: a deals file needs a [deals] table");
  r.name = d->string("name");
  const std::string status_quo = d->input_path("status_quo");
  const Month start = d->month("start");
  plan.replicates = static_cast<int>(d->integer("replicates", 1, 100000));
  std::string threat_path;
  if (d->has("threat_point")) threat_path = d->input_path("threat_point");
  const auto master_seed = static_cast<std::uint64_t>(d->integer("master_seed", 0, INT64_MAX));
  const std::vector<std::string> govs = d->has("governments") ? d->strings("governments") : std::vector<std::string>{"US", "CN"};
  if (govs.size() != 2 || govs[0] == govs[1])
    d->fail("governments", "name exactly two different governments: the exporter and the importer");
  DealFrame frame;
  frame.us = govs[0];
  frame.cn = govs[1];
  frame.hbm_jurisdictions = d->has("hbm_jurisdictions") ? d->strings("hbm_jurisdictions") : std::vector<std::string>{govs[0]};
  frame.licence_tpp_min = d->number_or("licence_tpp_min", frame.licence_tpp_min, 0.0, 1e9);
  auto t = d->table("terms");
  if (!t) d->fail("terms", "missing: [deals.terms] with the values to sweep");
  const std::vector<std::string> hbm = t->strings("hbm_generation_max");
  if (hbm.empty()) t->fail("hbm_generation_max", "missing: a non-empty list (\"none\" for no HBM relief)");
  const auto tpp = numbers(*t, "accelerator_tpp_max");
  for (double x : tpp)
    if (x != 0 && x <= frame.licence_tpp_min)
      t->fail("accelerator_tpp_max", "each value is 0 (no licence) or a TPP ceiling above licence_tpp_min (" +
                                          std::to_string(frame.licence_tpp_min) + "), got " + std::to_string(x));
  const auto fees = numbers(*t, "licence_fee");
  for (double x : fees)
    if (x < 0 || x >= 1) t->fail("licence_fee", "each value is a revenue share in [0, 1)");
  const auto tariffs = numbers(*t, "china_tariff");
  for (double x : tariffs)
    if (x < 0 || x > 5) t->fail("china_tariff", "each value is a tariff rate in [0, 5]");
  const auto mandates = numbers(*t, "china_mandate");
  for (double x : mandates)
    if (x < 0 || x > 1) t->fail("china_mandate", "each value is a domestic share in [0, 1]");
  // Optional: the licence's volume quota as a share of the maker's home shipments (0 = none).
  const auto quotas = t->has("licence_quota_share") ? numbers(*t, "licence_quota_share") : std::vector<double>{0.0};
  for (double x : quotas)
    if (x < 0 || x > 100) t->fail("licence_quota_share", "each value is a share of home shipments in [0, 100] (0: no quota)");
  // Optional: China's guidance against the exporter's accelerators, the complying share of its
  // buyers (0 = none).
  const auto guidances = t->has("china_guidance") ? numbers(*t, "china_guidance") : std::vector<double>{0.0};
  for (double x : guidances)
    if (x < 0 || x > 1) t->fail("china_guidance", "each value is a share of China's buyers in [0, 1] (0: no guidance)");
  // Optional: China's critical-mineral controls after the deal, their enforcement (0: lifted, a
  // concession; -1: unchanged from the status quo).
  const auto minerals = t->has("china_mineral_controls") ? numbers(*t, "china_mineral_controls") : std::vector<double>{-1.0};
  for (double x : minerals)
    if (!(x == -1 || (x >= 0 && x <= 1)))
      t->fail("china_mineral_controls", "each value is an enforcement in [0, 1] (0: lifted) or -1 (unchanged)");
  // Every deal costs `replicates` runs: a sweep beyond this many term sets is almost surely a
  // typo (a resource guard, not a model parameter).
  constexpr double kMaxDeals = 10000;
  const double count = static_cast<double>(hbm.size()) * static_cast<double>(tpp.size()) * static_cast<double>(fees.size()) *
                       static_cast<double>(tariffs.size()) * static_cast<double>(mandates.size()) *
                       static_cast<double>(quotas.size()) * static_cast<double>(guidances.size()) *
                       static_cast<double>(minerals.size());
  if (count > kMaxDeals)
    t->fail("hbm_generation_max", "the term lists make " + std::to_string(static_cast<long long>(count)) +
                                      " deals, more than " + std::to_string(static_cast<int>(kMaxDeals)) + "; shorten them");
  t->finish();
  d->finish();
  root.finish();

  plan.status_quo = load_scenario(status_quo);
  const Model& sq = plan.status_quo;
  if (!threat_path.empty()) {
    plan.threat = load_scenario(threat_path);
    const Model& th = *plan.threat;
    if (th.calendar.start != sq.calendar.start || th.calendar.horizon != sq.calendar.horizon ||
        th.calendar.months_per_period != sq.calendar.months_per_period || th.n_countries() != sq.n_countries())
      d->fail("threat_point", "the threat point's calendar or countries differ from the status quo's: " + threat_path);
    r.threat_file = threat_path;
    r.threat_text = th.scenario_text;
  }
  r.status_quo_text = sq.scenario_text;
  r.governments = govs;
  for (const auto& g : govs) {
    auto c = sq.country_index(g);
    if (!c) d->fail("governments", "unknown country " + g + " in the status quo " + status_quo);
    plan.gov_index.push_back(*c);
  }
  for (const auto& j : frame.hbm_jurisdictions)
    if (!sq.country_index(j)) d->fail("hbm_jurisdictions", "unknown country " + j + " in the status quo " + status_quo);
  for (const auto& h : hbm)
    if (h != "none" && std::find(sq.parameters.hbm_generations.begin(), sq.parameters.hbm_generations.end(), h) == sq.parameters.hbm_generations.end())
      t->fail("hbm_generation_max", "unknown HBM generation " + h);
  plan.first = sq.calendar.period_of(start);
  if (plan.first < 0 || plan.first >= sq.n_periods()) d->fail("start", "outside the status quo's horizon");

  std::vector<Terms> deals;
  for (const auto& h : hbm)
    for (double x : tpp)
      for (std::size_t f = 0; f < fees.size(); ++f) {
        if (x <= 0 && f > 0) continue;  // the fee is irrelevant without a licence
        for (std::size_t q = 0; q < quotas.size(); ++q) {
          if (x <= 0 && q > 0) continue;  // and so is the quota
          for (double ta : tariffs)
            for (double m : mandates)
              for (double g : guidances)
                for (double mi : minerals) deals.push_back({h, x, x > 0 ? fees[f] : 0.0, ta, m, x > 0 ? quotas[q] : 0.0, g, mi});
        }
      }
  r.term_names = {"hbm_generation_max", "accelerator_tpp_max", "licence_fee", "china_tariff", "china_mandate",
                  "licence_quota_share", "china_guidance", "china_mineral_controls"};
  for (std::size_t k = 0; k < deals.size(); ++k) {
    const Terms& x = deals[k];
    r.deal_labels.push_back(label(x));
    const auto it = std::find(sq.parameters.hbm_generations.begin(), sq.parameters.hbm_generations.end(), x.hbm_max);
    r.deal_terms.push_back({x.hbm_max == "none" ? -1.0 : static_cast<double>(it - sq.parameters.hbm_generations.begin()),
                            x.tpp_max, x.fee, x.tariff, x.mandate, x.quota_share, x.guidance, x.minerals});
    // A deal's generated scenario that fails to load is reported against the deals file.
    try {
      plan.models.push_back(load_scenario_text(deal_scenario(status_quo, start.to_string(), frame, x, static_cast<int>(k)),
                                               spec_path + " (deal " + std::to_string(k) + ": " + r.deal_labels.back() + ")"));
    } catch (const ScenarioError& e) {
      t->fail("hbm_generation_max", "the deal \"" + r.deal_labels.back() + "\" makes an invalid scenario: " + e.what());
    }
  }
  for (int rep = 0; rep < plan.replicates; ++rep) r.seeds.push_back(replicate_seed(master_seed, rep));
  return plan;
}

DealResults find_deals(const DealOptions& o) {
  const int threads = o.threads > 0 ? o.threads : tbb::info::default_concurrency();
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  DealPlan plan = plan_deals(o.spec_path);
  DealResults& r = plan.results;
  const Model& sq = plan.status_quo;
  const std::vector<Model>& models = plan.models;
  const std::vector<int>& gov_index = plan.gov_index;
  const int first = plan.first;
  const int replicates = plan.replicates;
  const std::size_t n_deals = models.size();

  // Score sums from the start, per (model, replicate); model index D = status quo.
  const std::size_t D = n_deals, R = static_cast<std::size_t>(replicates), G = 2;
  std::vector<double> discount_of(G, 0.0);  // each government's discount rate per year
  for (std::size_t g = 0; g < G; ++g)
    for (const Government& gov : sq.governments)
      if (gov.country == gov_index[g]) discount_of[g] = gov.discount_rate;
  // Models: the deals, then the status quo (D), then the threat point (D + 1) if any.
  const std::size_t M = D + 1 + (plan.threat ? 1 : 0);
  std::vector<double> sums(M * R * G, 0.0);
  Progress progress(static_cast<int>(M * R), o.progress);
  tbb::parallel_for(std::size_t(0), M * R, [&](std::size_t job) {
    const std::size_t k = job / R, rep = job % R;
    const Model& m = k < D ? models[k] : (k == D ? sq : *plan.threat);
    RunOptions ro;
    ro.seed = r.seeds[rep];
    const State s = run_model(m, ro);
    const auto& score = s.series.variable("government_score").data;  // (time, country), a rate per year
    const auto C = static_cast<std::size_t>(m.n_countries());
    // The present value from the start: each period's rate x its length in years, discounted at
    // the government's rate to the deal's start (so monthly and quarterly runs agree).
    const double years = m.calendar.months_per_period / 12.0;
    for (std::size_t g = 0; g < G; ++g) {
      const double r = discount_of[g];
      for (int t = first; t < m.n_periods(); ++t)
        sums[(k * R + rep) * G + g] += years * std::pow(1.0 + r, -years * (t - first)) *
                                       score[static_cast<std::size_t>(t) * C + static_cast<std::size_t>(gov_index[g])];
    }
    progress.tick();
  });

  Gains sq_gains = gains_against(sums, D, R, G, D);
  r.gain = std::move(sq_gains.gain);
  r.mean = std::move(sq_gains.mean);
  r.ci_low = std::move(sq_gains.ci_low);
  r.ci_high = std::move(sq_gains.ci_high);
  r.in_bargaining_set = std::move(sq_gains.in_set);
  r.robust = std::move(sq_gains.robust);
  r.nash = sq_gains.nash;
  // Against the threat point: gains over the disagreement outcome; the bargaining set and the
  // Nash solution with the threat point as the disagreement point.
  if (plan.threat) {
    Gains th = gains_against(sums, D, R, G, D + 1);
    r.gain_vs_threat = std::move(th.gain);
    r.mean_vs_threat = std::move(th.mean);
    r.ci_low_vs_threat = std::move(th.ci_low);
    r.ci_high_vs_threat = std::move(th.ci_high);
    r.in_bargaining_set_vs_threat = std::move(th.in_set);
    r.nash_vs_threat = th.nash;
  }
  if (!o.output_path.empty()) write_deals_file(o.output_path, r, o.command_line);
  return std::move(r);
}

void print_deals(const DealResults& r, std::ostream& out, int top) {
  const std::size_t D = r.deal_labels.size();
  int n_set = 0, n_robust = 0;
  for (std::size_t k = 0; k < D; ++k) n_set += r.in_bargaining_set[k], n_robust += r.robust[k];
  out << "chipsim deals: " << r.name << " — " << D << " term sets x " << r.seeds.size() << " replicates against the status quo\n";
  out << "bargaining set (both " << r.governments[0] << " and " << r.governments[1] << " gain on average): " << n_set << " deals, "
      << n_robust << " of them at the 95 % level\n\n";
  std::vector<std::size_t> order(D);
  for (std::size_t k = 0; k < D; ++k) order[k] = k;
  // The Nash solution first, then the bargaining set by Nash product, then the rest by total
  // gain; ties keep the order of the sweep.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if ((static_cast<int>(a) == r.nash) != (static_cast<int>(b) == r.nash)) return static_cast<int>(a) == r.nash;
    const double pa = r.in_bargaining_set[a] ? r.mean[a * 2] * r.mean[a * 2 + 1] : -1e300;
    const double pb = r.in_bargaining_set[b] ? r.mean[b * 2] * r.mean[b * 2 + 1] : -1e300;
    if (pa != pb) return pa > pb;
    return r.mean[a * 2] + r.mean[a * 2 + 1] > r.mean[b * 2] + r.mean[b * 2 + 1];
  });
  char buf[512];
  std::snprintf(buf, sizeof buf, "%-70s %24s %24s %s\n", "deal terms", (r.governments[0] + " gain [95% CI]").c_str(),
                (r.governments[1] + " gain [95% CI]").c_str(), "");
  out << buf;
  for (int n = 0; n < std::min<int>(top, static_cast<int>(D)); ++n) {
    const std::size_t k = order[static_cast<std::size_t>(n)];
    auto cell = [&](std::size_t g) {
      char c[64];
      std::snprintf(c, sizeof c, "%.1f [%.1f, %.1f]", r.mean[k * 2 + g], r.ci_low[k * 2 + g], r.ci_high[k * 2 + g]);
      return std::string(c);
    };
    std::snprintf(buf, sizeof buf, "%-70s %24s %24s %s\n", r.deal_labels[k].substr(0, 70).c_str(), cell(0).c_str(), cell(1).c_str(),
                  static_cast<int>(k) == r.nash ? "<- Nash bargaining solution" : (r.in_bargaining_set[k] ? (r.robust[k] ? "both gain (robust)" : "both gain") : ""));
    out << buf;
  }
  if (r.nash < 0) out << "\nno deal in the sweep makes both governments better off than the status quo\n";
  if (!r.threat_file.empty()) {
    int n = 0;
    for (int b : r.in_bargaining_set_vs_threat) n += b;
    out << "\nagainst the threat point " << r.threat_file << " (the disagreement outcome): " << n
        << " deals make both governments better off";
    if (r.nash_vs_threat >= 0) {
      const auto k = static_cast<std::size_t>(r.nash_vs_threat);
      char c[96];
      std::snprintf(c, sizeof c, " (gains %.1f and %.1f)", r.mean_vs_threat[k * 2], r.mean_vs_threat[k * 2 + 1]);
      out << "; Nash bargaining solution: " << r.deal_labels[k] << c;
    }
    out << "\n";
  }
}

}  // namespace chipsim

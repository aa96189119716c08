#include "calibration/moments.hpp"

#include "calibration/moment_kind.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <regex>

namespace chipsim {

namespace {

std::map<std::string, Moment>& registry() {
  static std::map<std::string, Moment> r;
  return r;
}
std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

// The calendar window of a target's period (nullopt when the period is not understood).
std::optional<Window> window_of(const Target& t) {
  const auto range = period_months(t.period);
  if (!range) return std::nullopt;
  return Window{range->first, range->second};
}

// The moments of the shipped public figures (calibration/data/*.csv keys), each a kind of
// calibration/moments/ with its arguments and the figure's unit. Firm, product and country names
// are those of the shipped scenarios; a scenario without them simply has no value.
struct FigureMoment {
  const char* key;
  const char* kind;
  MomentArgs args;
  const char* unit;
};

const bool registered = [] {
  const std::vector<FigureMoment> figures = {
      {"nvidia_datacenter_revenue", "revenue", {{"firm", "Nvidia"}}, "USD_billion"},
      {"nvidia_china_revenue_share", "revenue_share", {{"firm", "Nvidia"}, {"destination", "CN"}}, "share"},
      {"china_domestic_accelerator_share", "unit_share", {{"destination", "CN"}, {"origin", "CN"}}, "share"},
      {"nvidia_share_china_ai_chips", "unit_share", {{"destination", "CN"}, {"firm", "Nvidia"}}, "share"},
      {"hbm_revenue", "hbm_revenue", {}, "USD_billion"},
      {"hbm_share_skhynix", "hbm_market_share", {{"firm", "SK_hynix"}}, "share"},
      {"hbm_share_samsung", "hbm_market_share", {{"firm", "Samsung"}}, "share"},
      {"hbm_share_micron", "hbm_market_share", {{"firm", "Micron"}}, "share"},
      {"all_hbm_stacks_to_china", "hbm_stacks", {{"destination", "CN"}}, "million_stacks"},
      {"samsung_hbm_stacks_to_china", "hbm_stacks", {{"destination", "CN"}, {"firm", "Samsung"}}, "million_stacks"},
      {"huawei_ascend_910b_output", "accelerator_units", {{"product", "Ascend_910B"}}, "units"},
      {"nvidia_h20_units", "accelerator_units", {{"product", "H20"}}, "million_units"},
      // Upstream tiers and the smaller Chinese vendors (calibration/data/supply_chain_targets.csv).
      {"tsmc_cowos_capacity_open", "series_mean_per_month",
       {{"variable", "packaging_capacity"}, {"dimension", "packaging_line"}, {"element", "TSMC_CoWoS"}}, "wafers_per_month"},
      {"tsmc_cowos_wafers_open", "series_sum",
       {{"variable", "packaging_wafers_used"}, {"dimension", "packaging_line"}, {"element", "TSMC_CoWoS"}}, "wafers"},
      {"ascend_910b_die_yield", "series_mean", {{"variable", "die_yield"}, {"dimension", "product"}, {"element", "Ascend_910B"}},
       "share"},
      {"cambricon_revenue", "revenue", {{"firm", "Cambricon"}}, "USD_billion"},
      {"metax_revenue", "revenue", {{"firm", "MetaX"}}, "USD_billion"},
      {"moore_threads_ai_revenue", "revenue", {{"firm", "Moore_Threads"}}, "USD_billion"},
      {"kunlunxin_accelerator_units", "accelerator_units", {{"firm", "Kunlunxin"}}, "units"},
  };
  for (const FigureMoment& f : figures) {
    const MomentKind* kind = find_moment_kind(f.kind);
    register_moment(f.key, [kind, args = f.args, unit = std::string(f.unit)](const Model& m, const Series& s,
                                                                             const Target& t) -> std::optional<double> {
      const auto w = window_of(t);
      if (!w) return std::nullopt;
      return evaluate_moment(*kind, m, s, *w, args, unit);
    });
  }
  return true;
}();

}  // namespace

bool register_moment(const std::string& key, Moment moment) {
  std::lock_guard lock(registry_mutex());
  return registry().emplace(key, std::move(moment)).second;
}

const Moment* find_moment(const std::string& key) {
  std::lock_guard lock(registry_mutex());
  auto it = registry().find(key);
  return it == registry().end() ? nullptr : &it->second;
}

std::optional<std::pair<Month, Month>> period_months(const std::string& period) {
  std::smatch m;
  static const std::regex fiscal(R"(^FY(\d{4})\b.*)"), half(R"(^(\d{4})H([12])$)"), quarter(R"(^(\d{4})Q([1-4])$)"),
      year(R"(^(\d{4})$)"), day(R"(^(\d{4})-(\d{2})(-\d{2})?$)");
  static const std::regex interval(R"(^(\d{4}-\d{2})/(\d{4}-\d{2})$)");
  if (std::regex_match(period, m, interval)) {  // "2024-02/2024-10": the months from the first to the second
    const auto a = parse_month(m[1].str()), b = parse_month(m[2].str());
    if (a && b && !(*b < *a)) return std::pair{*a, *b};
    return std::nullopt;
  }
  if (std::regex_match(period, m, fiscal)) {  // Nvidia's fiscal year Y runs Feb Y-1 .. Jan Y
    const int y = std::stoi(m[1]);
    return std::pair{Month{y - 1, 2}, Month{y, 1}};
  }
  if (std::regex_match(period, m, half)) {
    const int y = std::stoi(m[1]), h = std::stoi(m[2]);
    return std::pair{Month{y, h == 1 ? 1 : 7}, Month{y, h == 1 ? 6 : 12}};
  }
  if (std::regex_match(period, m, quarter)) {
    const int y = std::stoi(m[1]), q = std::stoi(m[2]);
    return std::pair{Month{y, 3 * q - 2}, Month{y, 3 * q}};
  }
  if (std::regex_match(period, m, year)) {
    const int y = std::stoi(m[1]);
    return std::pair{Month{y, 1}, Month{y, 12}};
  }
  if (std::regex_match(period, m, day)) {
    const auto mo = parse_month(period);
    if (mo) return std::pair{*mo, *mo};
  }
  return std::nullopt;
}

FitReport fit_report(const Model& model, const Series& series, const std::vector<Target>& targets, int first_year,
                     int last_year) {
  FitReport r;
  for (const Target& t : targets) {
    if (t.kind != "reported" && t.kind != "EST" && t.kind.rfind("reported", 0) != 0) continue;
    const auto range = period_months(t.period);
    if (!range || range->first.year < first_year || range->first.year > last_year) continue;
    const Moment* moment = find_moment(t.key);
    if (!moment) continue;
    FitRow row{t, (*moment)(model, series, t)};
    if (row.simulated && *row.simulated > 0 && t.value > 0) {
      const double e = std::log(*row.simulated / t.value);
      r.objective += e * e;
      ++r.n_compared;
    }
    r.rows.push_back(std::move(row));
  }
  return r;
}

void print_fit_report(const FitReport& report, std::ostream& out) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%-34s %-22s %12s %12s %8s %4s\n", "figure", "period", "target", "simulated", "sim/tgt", "conf");
  out << buf;
  for (const FitRow& r : report.rows) {
    const std::string period = r.target.period.substr(0, 22);
    if (r.simulated)
      std::snprintf(buf, sizeof buf, "%-34s %-22s %12.4g %12.4g %8.2f %4s\n", r.target.key.c_str(), period.c_str(),
                    r.target.value, *r.simulated, *r.simulated / r.target.value, r.target.confidence.c_str());
    else
      std::snprintf(buf, sizeof buf, "%-34s %-22s %12.4g %12s %8s %4s\n", r.target.key.c_str(), period.c_str(),
                    r.target.value, "-", "-", r.target.confidence.c_str());
    out << buf;
  }
  std::snprintf(buf, sizeof buf, "objective (sum of squared log errors over %d figures): %.4f\n", report.n_compared,
                report.objective);
  out << buf;
}

}  // namespace chipsim

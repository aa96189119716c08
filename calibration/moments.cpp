#include "calibration/moments.hpp"

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

// Periods of the series that fall in [first, last].
std::vector<std::size_t> periods_in(const Series& s, Month first, Month last) {
  std::vector<std::size_t> out;
  for (std::size_t t = 0; t < s.n_periods(); ++t) {
    const auto m = parse_month(s.time_labels[t]);
    if (m && !(*m < first) && !(last < *m)) out.push_back(t);
  }
  return out;
}

// The periods a target covers, or nullopt when the run does not cover all of its months.
std::optional<std::vector<std::size_t>> covered(const Series& s, const Target& t, int months_per_period) {
  const auto range = period_months(t.period);
  if (!range) return std::nullopt;
  auto ts = periods_in(s, range->first, range->second);
  const int months = range->second.serial() - range->first.serial() + 1;
  if (static_cast<int>(ts.size()) * months_per_period < months) return std::nullopt;
  return ts;
}

// Sum of variable[t, a, b] over periods ts (3-D variable with dims of sizes n_a x n_b).
double sum3(const Variable& v, std::size_t n_a, std::size_t n_b, const std::vector<std::size_t>& ts,
            std::optional<std::size_t> a, std::optional<std::size_t> b) {
  double total = 0;
  for (std::size_t t : ts)
    for (std::size_t i = 0; i < n_a; ++i)
      for (std::size_t j = 0; j < n_b; ++j)
        if ((!a || *a == i) && (!b || *b == j)) total += v.data[(t * n_a + i) * n_b + j];
  return total;
}

// Revenue of a firm over the target's period, optionally only from one destination.
std::optional<double> firm_revenue(const Model& m, const Series& s, const Target& t, const std::string& firm,
                                   std::optional<std::string> destination) {
  const auto f = m.firm_index(firm);
  const auto ts = covered(s, t, m.calendar.months_per_period);
  if (!f || !ts) return std::nullopt;
  std::optional<std::size_t> d;
  if (destination) {
    const auto c = m.country_index(*destination);
    if (!c) return std::nullopt;
    d = static_cast<std::size_t>(*c);
  }
  return sum3(s.variable("revenue"), static_cast<std::size_t>(m.n_firms()), static_cast<std::size_t>(m.n_countries()), *ts,
              static_cast<std::size_t>(*f), d);
}

// Accelerator units sold to a destination over the target's period, of the products selected by `pick`.
template <class Pick>
std::optional<double> units_to(const Model& m, const Series& s, const Target& t, const std::string& destination, Pick pick) {
  const auto c = m.country_index(destination);
  const auto ts = covered(s, t, m.calendar.months_per_period);
  if (!c || !ts) return std::nullopt;
  const auto& v = s.variable("units_sold");
  const std::size_t P = static_cast<std::size_t>(m.n_products()), C = static_cast<std::size_t>(m.n_countries());
  double total = 0;
  for (std::size_t j = 0; j < P; ++j)
    if (m.products[j].kind == ProductKind::accelerator && pick(m.products[j]))
      total += sum3(v, P, C, *ts, j, static_cast<std::size_t>(*c));
  return total;
}

std::optional<double> product_units(const Model& m, const Series& s, const Target& t, const std::string& product) {
  const auto j = m.product_index(product);
  const auto ts = covered(s, t, m.calendar.months_per_period);
  if (!j || !ts) return std::nullopt;
  return sum3(s.variable("units_sold"), static_cast<std::size_t>(m.n_products()), static_cast<std::size_t>(m.n_countries()),
              *ts, static_cast<std::size_t>(*j), std::nullopt);
}

// Revenue of all HBM makers (firms of kind hbm) over the target's period, USD.
std::optional<double> hbm_revenue(const Model& m, const Series& s, const Target& t) {
  const auto ts = covered(s, t, m.calendar.months_per_period);
  if (!ts) return std::nullopt;
  double total = 0;
  bool any = false;
  for (int f = 0; f < m.n_firms(); ++f)
    if (m.firms[static_cast<std::size_t>(f)].kind == ProductKind::hbm) {
      any = true;
      total += sum3(s.variable("revenue"), static_cast<std::size_t>(m.n_firms()), static_cast<std::size_t>(m.n_countries()),
                    *ts, static_cast<std::size_t>(f), std::nullopt);
    }
  return any ? std::optional<double>(total) : std::nullopt;
}

// HBM stacks delivered to a destination over the target's period, of the makers selected by `pick`.
template <class Pick>
std::optional<double> hbm_stacks_to(const Model& m, const Series& s, const Target& t, const std::string& destination, Pick pick) {
  const auto c = m.country_index(destination);
  const auto ts = covered(s, t, m.calendar.months_per_period);
  if (!c || !ts) return std::nullopt;
  const std::size_t P = static_cast<std::size_t>(m.n_products()), C = static_cast<std::size_t>(m.n_countries());
  double total = 0;
  for (std::size_t j = 0; j < P; ++j)
    if (m.products[j].kind == ProductKind::hbm && pick(m.products[j]))
      total += sum3(s.variable("units_sold"), P, C, *ts, j, static_cast<std::size_t>(*c));
  return total;
}

// Mean over the target's periods of variable[t, k] of the dimension element named `name` (a
// process node, packaging line or product), divided by months per period when `per_month`
// (capacities stated per month); the sum instead when `sum`.
std::optional<double> element_series(const Model& m, const Series& s, const Target& t, const char* variable, const std::string& dim,
                                     const std::string& name, bool per_month, bool sum) {
  const auto ts = covered(s, t, m.calendar.months_per_period);
  if (!ts || ts->empty() || !s.has(variable)) return std::nullopt;
  const Variable& v = s.variable(variable);
  const auto& dims = s.dimensions();
  const auto d = std::find_if(dims.begin(), dims.end(), [&](const Dimension& x) { return x.name == dim; });
  if (d == dims.end()) return std::nullopt;
  const auto it = std::find(d->labels.begin(), d->labels.end(), name);
  if (it == d->labels.end()) return std::nullopt;
  const auto k = static_cast<std::size_t>(it - d->labels.begin());
  double total = 0;
  for (std::size_t p : *ts) total += v.data[p * v.row_size + k];
  if (sum) return total;
  const double mean = total / static_cast<double>(ts->size());
  return per_month ? mean / m.calendar.months_per_period : mean;
}

std::optional<double> ratio(std::optional<double> a, std::optional<double> b) {
  if (!a || !b || *b <= 0) return std::nullopt;
  return *a / *b;
}

// The moments of the shipped public figures. Firm, product and country names are those of
// the shipped scenarios; a scenario without them simply has no value for the moment.
const bool registered = [] {
  register_moment("nvidia_datacenter_revenue", [](const Model& m, const Series& s, const Target& t) {
    auto r = firm_revenue(m, s, t, "Nvidia", std::nullopt);
    return r ? std::optional<double>(*r / 1e9) : std::nullopt;  // USD_billion
  });
  register_moment("nvidia_china_revenue_share", [](const Model& m, const Series& s, const Target& t) {
    return ratio(firm_revenue(m, s, t, "Nvidia", std::string("CN")), firm_revenue(m, s, t, "Nvidia", std::nullopt));
  });
  register_moment("china_domestic_accelerator_share", [](const Model& m, const Series& s, const Target& t) {
    const auto cn = m.country_index("CN");
    if (!cn) return std::optional<double>();
    return ratio(units_to(m, s, t, "CN", [&](const Product& p) { return p.origin == *cn; }),
                 units_to(m, s, t, "CN", [](const Product&) { return true; }));
  });
  register_moment("nvidia_share_china_ai_chips", [](const Model& m, const Series& s, const Target& t) {
    const auto nv = m.firm_index("Nvidia");
    if (!nv) return std::optional<double>();
    return ratio(units_to(m, s, t, "CN", [&](const Product& p) { return p.owner == *nv; }),
                 units_to(m, s, t, "CN", [](const Product&) { return true; }));
  });
  register_moment("hbm_revenue", [](const Model& m, const Series& s, const Target& t) {
    auto r = hbm_revenue(m, s, t);
    return r ? std::optional<double>(*r / 1e9) : std::nullopt;  // USD_billion
  });
  for (const auto& [key, firm] : {std::pair{"hbm_share_skhynix", "SK_hynix"}, std::pair{"hbm_share_samsung", "Samsung"},
                                  std::pair{"hbm_share_micron", "Micron"}}) {
    register_moment(key, [firm = std::string(firm)](const Model& m, const Series& s, const Target& t) {
      return ratio(firm_revenue(m, s, t, firm, std::nullopt), hbm_revenue(m, s, t));
    });
  }
  register_moment("all_hbm_stacks_to_china", [](const Model& m, const Series& s, const Target& t) {
    auto u = hbm_stacks_to(m, s, t, "CN", [](const Product&) { return true; });
    return u ? std::optional<double>(*u / 1e6) : std::nullopt;  // million_stacks
  });
  register_moment("samsung_hbm_stacks_to_china", [](const Model& m, const Series& s, const Target& t) {
    const auto f = m.firm_index("Samsung");
    if (!f) return std::optional<double>();
    auto u = hbm_stacks_to(m, s, t, "CN", [&](const Product& p) { return p.owner == *f; });
    return u ? std::optional<double>(*u / 1e6) : std::nullopt;  // million_stacks
  });
  register_moment("huawei_ascend_910b_output", [](const Model& m, const Series& s, const Target& t) {
    return product_units(m, s, t, "Ascend_910B");
  });
  register_moment("nvidia_h20_units", [](const Model& m, const Series& s, const Target& t) {
    auto u = product_units(m, s, t, "H20");
    return u ? std::optional<double>(*u / 1e6) : std::nullopt;  // million_units
  });
  // Upstream tiers and the smaller Chinese vendors (calibration/data/supply_chain_targets.csv).
  register_moment("tsmc_cowos_capacity_open", [](const Model& m, const Series& s, const Target& t) {
    return element_series(m, s, t, "packaging_capacity", "packaging_line", "TSMC_CoWoS", true, false);  // wafers_per_month
  });
  register_moment("tsmc_cowos_wafers_open", [](const Model& m, const Series& s, const Target& t) {
    return element_series(m, s, t, "packaging_wafers_used", "packaging_line", "TSMC_CoWoS", false, true);  // wafers
  });
  register_moment("ascend_910b_die_yield", [](const Model& m, const Series& s, const Target& t) {
    return element_series(m, s, t, "die_yield", "product", "Ascend_910B", false, false);  // share
  });
  for (const auto& [key, firm] : {std::pair{"cambricon_revenue", "Cambricon"}, std::pair{"metax_revenue", "MetaX"},
                                  std::pair{"moore_threads_ai_revenue", "Moore_Threads"}}) {
    register_moment(key, [firm = std::string(firm)](const Model& m, const Series& s, const Target& t) {
      auto r = firm_revenue(m, s, t, firm, std::nullopt);
      return r ? std::optional<double>(*r / 1e9) : std::nullopt;  // USD_billion
    });
  }
  register_moment("kunlunxin_accelerator_units", [](const Model& m, const Series& s, const Target& t) {
    const auto f = m.firm_index("Kunlunxin");
    if (!f) return std::optional<double>();
    double total = 0;
    for (const Product& p : m.products)
      if (p.owner == *f && p.kind == ProductKind::accelerator)
        if (auto u = product_units(m, s, t, p.name)) total += *u;
    return std::optional<double>(total);  // units
  });
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

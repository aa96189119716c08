#include "experiments/compare.hpp"

#include <tbb/global_control.h>
#include <tbb/info.h>

#include <cmath>
#include <cstdio>
#include <map>

#include "output/hdf5_writer.hpp"
#include "sim/pipeline/pipeline.hpp"
#include "sim/scenario/scenario.hpp"

namespace chipsim {

namespace {

void require_same_world(const Model& a, const Model& b) {
  auto fail = [&](const std::string& what) {
    throw ScenarioError({b.scenario_file, 0, 0}, "cannot compare with " + a.scenario_file + ": " + what);
  };
  if (a.calendar.start != b.calendar.start || a.calendar.horizon != b.calendar.horizon ||
      a.calendar.months_per_period != b.calendar.months_per_period)
    fail("the calendars differ");
  if (a.n_firms() != b.n_firms() || a.n_countries() != b.n_countries()) fail("the firms or countries differ");
  for (int f = 0; f < a.n_firms(); ++f)
    if (a.firms[f].name != b.firms[f].name) fail("firm " + a.firms[f].name + " is not at the same place");
  for (int c = 0; c < a.n_countries(); ++c)
    if (a.countries[c].code != b.countries[c].code) fail("country " + a.countries[c].code + " is not at the same place");
}

// Revenue loss decomposed by an exact identity (per firm f and period; p_jd = price of product j
// in destination d, q_jd = units of j to d, F = the focus country; b = baseline, p = policy):
//   loss = sum_j pb_jF (qb_jF - qp_jF)                       focus-country volume effect
//        + sum_j sum_{d != F} pb_jd (qb_jd - qp_jd)          diversion effect (units sold elsewhere instead)
//        + sum_j sum_d (pb_jd - pp_jd) qp_jd                 price effect
// over f's products. Under uniform pricing p_jd = p_j (the `price` series); priced by destination,
// p_jd is `price_by_destination`. A destination without a baseline price there takes the
// product's baseline price, and a product on sale nowhere under the baseline the policy price (it
// then has no price effect). The three parts add up to baseline revenue - policy revenue.
// Profit = revenue - licence fees paid - unit costs x units - HBM bought (USD).
struct LossParts {
  std::vector<double> volume, diversion, price, profit_policy, profit_baseline;
};
LossParts loss_parts(const Model& m, const Series& policy, const Series& baseline, std::size_t t, int focus) {
  const std::size_t F = static_cast<std::size_t>(m.n_firms()), P = static_cast<std::size_t>(m.n_products()),
                    C = static_cast<std::size_t>(m.n_countries());
  LossParts out{std::vector<double>(F, 0.0), std::vector<double>(F, 0.0), std::vector<double>(F, 0.0),
                std::vector<double>(F, 0.0), std::vector<double>(F, 0.0)};
  const auto& pp = policy.variable("price").data;
  const auto& pb = baseline.variable("price").data;
  const std::vector<double>* dp = policy.has("price_by_destination") ? &policy.variable("price_by_destination").data : nullptr;
  const std::vector<double>* db = baseline.has("price_by_destination") ? &baseline.variable("price_by_destination").data : nullptr;
  auto at = [&](const std::vector<double>* by_destination, double fallback, std::size_t j, std::size_t d) {
    const double v = by_destination ? (*by_destination)[(t * P + j) * C + d] : fallback;
    return std::isfinite(v) ? v : fallback;
  };
  const auto& qp = policy.variable("units_sold").data;
  const auto& qb = baseline.variable("units_sold").data;
  const auto& cp = policy.variable("marginal_cost").data;
  const auto& cb = baseline.variable("marginal_cost").data;
  for (std::size_t j = 0; j < P; ++j) {
    const std::size_t f = static_cast<std::size_t>(m.products[j].owner);
    double Qp = 0, Qb = 0;
    for (std::size_t d = 0; d < C; ++d) Qp += qp[(t * P + j) * C + d], Qb += qb[(t * P + j) * C + d];
    if (Qp == 0 && Qb == 0) continue;
    const double price_p = pp[t * P + j], price_b = std::isfinite(pb[t * P + j]) ? pb[t * P + j] : price_p;
    for (std::size_t d = 0; d < C; ++d) {
      const double q_policy = qp[(t * P + j) * C + d], dq = qb[(t * P + j) * C + d] - q_policy;
      const double price_bd = at(db, price_b, j, d);
      if (dq != 0) (static_cast<int>(d) == focus ? out.volume : out.diversion)[f] += price_bd * dq;
      if (q_policy > 0) out.price[f] += (price_bd - at(dp, price_p, j, d)) * q_policy;
    }
    out.profit_policy[f] -= cp[t * P + j] * Qp;
    out.profit_baseline[f] -= cb[t * P + j] * Qb;
  }
  for (std::size_t f = 0; f < F; ++f) {
    for (std::size_t d = 0; d < C; ++d) {
      out.profit_policy[f] += policy.variable("revenue").data[(t * F + f) * C + d];
      out.profit_baseline[f] += baseline.variable("revenue").data[(t * F + f) * C + d];
    }
    out.profit_policy[f] -= policy.variable("fee_paid").data[t * F + f] + policy.variable("hbm_spend").data[t * F + f];
    out.profit_baseline[f] -= baseline.variable("fee_paid").data[t * F + f] + baseline.variable("hbm_spend").data[t * F + f];
  }
  return out;
}

Series comparison_series(const Model& m, const Series& policy, const Series& baseline, int focus) {
  Series e;
  std::vector<std::string> firms, countries;
  for (const auto& f : m.firms) firms.push_back(f.name);
  for (const auto& c : m.countries) countries.push_back(c.code);
  e.add_dimension({"firm", "chipmaker", firms});
  e.add_dimension({"country", "country or bloc", countries});
  e.add_dimension({"kind", "product kind", {"accelerator", "hbm"}});
  e.time_labels = policy.time_labels;
  e.time_days = policy.time_days;
  e.define("revenue_policy", "revenue by firm under the policy scenario", "USD", {"firm"});
  e.define("revenue_baseline", "revenue by firm under the baseline scenario", "USD", {"firm"});
  e.define("revenue_loss", "revenue loss: baseline - policy", "USD", {"firm"});
  e.define("revenue_loss_in_country", "revenue loss in each destination: baseline - policy", "USD", {"firm", "country"});
  e.define("revenue_loss_volume", "part of revenue_loss from units no longer sold to the focus country, at baseline prices", "USD", {"firm"});
  e.define("revenue_loss_diversion", "part of revenue_loss from units sold to other destinations, at baseline prices (negative: sold elsewhere instead)", "USD", {"firm"});
  e.define("revenue_loss_price", "part of revenue_loss from prices: (baseline - policy price) x policy units", "USD", {"firm"});
  e.define("profit_policy", "profit under the policy: revenue - licence fees - unit costs x units - HBM bought", "USD", {"firm"});
  e.define("profit_baseline", "profit under the baseline, likewise", "USD", {"firm"});
  e.define("profit_loss", "profit loss: baseline - policy", "USD", {"firm"});
  e.define("self_sufficiency_policy", "domestic-made share of purchases by compute (H100e; HBM: stacks) under the policy", "1", {"kind", "country"});
  e.define("self_sufficiency_baseline", "domestic-made share of purchases by compute (H100e; HBM: stacks) under the baseline", "1", {"kind", "country"});
  e.define("self_sufficiency_gap", "self-sufficiency by compute: policy - baseline", "1", {"kind", "country"});
  e.define("self_sufficiency_units_gap", "self-sufficiency by units (a diagnostic): policy - baseline", "1", {"kind", "country"});
  e.define("compute_policy", "compute stock under the policy", "H100e", {"country"});
  e.define("compute_baseline", "compute stock under the baseline", "H100e", {"country"});
  e.define("compute_gap", "compute stock: policy - baseline", "H100e", {"country"});
  e.define("consumer_surplus_loss", "accelerator buyers' consumer surplus (log-sum over the price coefficient): baseline - policy, i.e. what the policy costs the country's AI firms (NaN for CES demand)", "USD", {"country"});
  const std::size_t F = firms.size(), C = countries.size();
  for (std::size_t t = 0; t < policy.n_periods(); ++t) {
    std::vector<double> rp(F, 0), rb(F, 0), loss(F), loss_c(F * C);
    const auto& a = policy.variable("revenue").data;
    const auto& b = baseline.variable("revenue").data;
    for (std::size_t f = 0; f < F; ++f)
      for (std::size_t c = 0; c < C; ++c) {
        const std::size_t k = (t * F + f) * C + c;
        rp[f] += a[k];
        rb[f] += b[k];
        loss_c[f * C + c] = b[k] - a[k];
      }
    for (std::size_t f = 0; f < F; ++f) loss[f] = rb[f] - rp[f];
    e.append("revenue_policy", rp.data(), F);
    e.append("revenue_baseline", rb.data(), F);
    e.append("revenue_loss", loss.data(), F);
    e.append("revenue_loss_in_country", loss_c.data(), F * C);
    const LossParts parts = loss_parts(m, policy, baseline, t, focus);
    std::vector<double> profit_loss(F);
    for (std::size_t f = 0; f < F; ++f) profit_loss[f] = parts.profit_baseline[f] - parts.profit_policy[f];
    e.append("revenue_loss_volume", parts.volume.data(), F);
    e.append("revenue_loss_diversion", parts.diversion.data(), F);
    e.append("revenue_loss_price", parts.price.data(), F);
    e.append("profit_policy", parts.profit_policy.data(), F);
    e.append("profit_baseline", parts.profit_baseline.data(), F);
    e.append("profit_loss", profit_loss.data(), F);
    const std::size_t n = kProductKinds * C;
    const double* sp = policy.variable("self_sufficiency_compute").data.data() + t * n;
    const double* sb = baseline.variable("self_sufficiency_compute").data.data() + t * n;
    const double* up = policy.variable("self_sufficiency_units").data.data() + t * n;
    const double* ub = baseline.variable("self_sufficiency_units").data.data() + t * n;
    std::vector<double> gap(n), units_gap(n);
    for (std::size_t k = 0; k < n; ++k) gap[k] = sp[k] - sb[k], units_gap[k] = up[k] - ub[k];
    e.append("self_sufficiency_policy", sp, n);
    e.append("self_sufficiency_baseline", sb, n);
    e.append("self_sufficiency_gap", gap.data(), n);
    e.append("self_sufficiency_units_gap", units_gap.data(), n);
    const double* cp = policy.variable("compute_stock").data.data() + t * C;
    const double* cb = baseline.variable("compute_stock").data.data() + t * C;
    std::vector<double> cg(C);
    for (std::size_t k = 0; k < C; ++k) cg[k] = cp[k] - cb[k];
    e.append("compute_policy", cp, C);
    e.append("compute_baseline", cb, C);
    e.append("compute_gap", cg.data(), C);
    const double* wp = policy.variable("consumer_surplus").data.data() + t * C;
    const double* wb = baseline.variable("consumer_surplus").data.data() + t * C;
    std::vector<double> wl(C);
    for (std::size_t k = 0; k < C; ++k) wl[k] = wb[k] - wp[k];
    e.append("consumer_surplus_loss", wl.data(), C);
  }
  return e;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  if (std::isnan(v)) return "-";
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
std::string pad(const std::string& s, std::size_t w) { return s.size() >= w ? s : std::string(w - s.size(), ' ') + s; }

}  // namespace

ScenarioComparison compare_scenarios(const ComparisonRequest& request) {
  const int threads = request.threads > 0 ? request.threads : tbb::info::default_concurrency();
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  ScenarioComparison c{load_scenario(request.policy_path), load_scenario(request.baseline_path), {}, {}, {}, 0};
  require_same_world(c.policy, c.baseline);
  c.seed = request.seed.value_or(c.policy.default_seed);
  RunOptions o;
  o.seed = c.seed;  // common random numbers: the same draws in both runs
  const std::string started = utc_now_iso8601();
  c.policy_series = run_model(c.policy, o).series;
  c.baseline_series = run_model(c.baseline, o).series;
  c.effects = comparison_series(c.policy, c.policy_series, c.baseline_series,
                                c.policy.country_index(request.focus_country).value_or(-1));
  if (!request.output_path.empty()) {
    RunMetadata meta;
    meta.seed = c.seed;
    meta.threads = threads;
    meta.started_utc = started;
    meta.finished_utc = utc_now_iso8601();
    meta.command_line = request.command_line;
    meta.extra_attributes = {{"comparison", "policy " + c.policy.name + " against baseline " + c.baseline.name},
                             {"focus_country", request.focus_country},
                             {"baseline_scenario_name", c.baseline.name},
                             {"baseline_scenario_file", c.baseline.scenario_file},
                             {"baseline_scenario_text", c.baseline.scenario_text}};
    write_run_file(request.output_path, c.policy, c.effects, meta);
  }
  return c;
}

void print_comparison(const ScenarioComparison& c, const std::string& focus_country, std::ostream& out, double min_base_bn) {
  const Series& e = c.effects;
  const std::size_t T = e.n_periods(), F = static_cast<std::size_t>(c.policy.n_firms());
  const std::size_t C = static_cast<std::size_t>(c.policy.n_countries());
  const auto focus = c.policy.country_index(focus_country);
  out << "chipsim compare: policy \"" << c.policy.name << "\" against baseline \"" << c.baseline.name << "\", "
      << e.time_labels.front() << " to " << e.time_labels.back() << ", seed " << c.seed << " (common random numbers)\n";
  if (!c.baseline.description.empty()) out << "baseline \"" << c.baseline.name << "\": " << c.baseline.description << "\n";
  out << "\n";

  out << "Revenue over the whole horizon, USD billion (loss = revenue under baseline \"" << c.baseline.name
      << "\" - under policy \"" << c.policy.name << "\")\n";
  out << pad("firm", 12) << pad("policy", 10) << pad("baseline", 10) << pad("loss", 10) << pad("loss %", 9);
  if (focus) out << pad("loss in " + focus_country, 12) << pad(focus_country + " volume", 11) << pad("diversion", 11) << pad("price", 9);
  out << pad("profit loss", 13) << "\n";
  auto total = [&](const char* var, std::size_t f) {
    double s = 0;
    for (std::size_t t = 0; t < T; ++t) s += e.variable(var).data[t * F + f];
    return s / 1e9;
  };
  bool small_base = false;
  for (std::size_t f = 0; f < F; ++f) {
    double lf = 0;
    if (focus)
      for (std::size_t t = 0; t < T; ++t) lf += e.variable("revenue_loss_in_country").data[(t * F + f) * C + static_cast<std::size_t>(*focus)];
    const double p = total("revenue_policy", f), b = total("revenue_baseline", f);
    const bool shown = b > 0 && b >= min_base_bn;  // a percentage only against a base above the threshold
    small_base = small_base || !shown;
    out << pad(c.policy.firms[f].name, 12) << pad(fmt("%.1f", p), 10) << pad(fmt("%.1f", b), 10) << pad(fmt("%.1f", b - p), 10)
        << pad(shown ? fmt("%.1f%%", 100 * (b - p) / b) : "-", 9);
    if (focus)
      out << pad(fmt("%.1f", lf / 1e9), 12) << pad(fmt("%.1f", total("revenue_loss_volume", f)), 11)
          << pad(fmt("%.1f", total("revenue_loss_diversion", f)), 11) << pad(fmt("%.1f", total("revenue_loss_price", f)), 9);
    out << pad(fmt("%.1f", total("profit_loss", f)), 13) << "\n";
  }
  if (focus)
    out << "(loss = " << focus_country << " volume + diversion + price, exactly: units no longer sold to " << focus_country
        << " and units sold elsewhere instead, at baseline prices; price changes on the policy's units)\n";
  if (small_base) out << "(loss % only where the baseline revenue is at least " << fmt("%g", min_base_bn) << " USD bn: --min-base)\n";
  if (!focus) return;
  const std::size_t k = static_cast<std::size_t>(*focus);
  out << "\n" << focus_country << " by year: self-sufficiency (by compute: H100e; HBM by stacks; year average) and compute stock (end of year)\n";
  out << pad("year", 6) << pad("acc policy", 12) << pad("acc base", 10) << pad("acc gap", 9) << pad("(units gap)", 12)
      << pad("HBM policy", 12) << pad("HBM base", 10) << pad("HBM gap", 9) << pad("compute gap", 14) << pad("gap %", 8) << "\n";
  std::map<int, std::vector<std::size_t>> years;
  for (std::size_t t = 0; t < T; ++t) years[std::stoi(e.time_labels[t].substr(0, 4))].push_back(t);
  auto avg = [&](const char* var, std::size_t kind, const std::vector<std::size_t>& ts) {
    double s = 0;
    int n = 0;
    for (std::size_t t : ts) {
      const double v = e.variable(var).data[t * kProductKinds * C + kind * C + k];
      if (!std::isnan(v)) s += v, ++n;
    }
    return n ? s / n : NAN;
  };
  for (const auto& [year, ts] : years) {
    const double cp = e.variable("compute_policy").data[ts.back() * C + k];
    const double cb = e.variable("compute_baseline").data[ts.back() * C + k];
    const double ap = avg("self_sufficiency_policy", 0, ts), ab = avg("self_sufficiency_baseline", 0, ts);
    const double hp = avg("self_sufficiency_policy", 1, ts), hb = avg("self_sufficiency_baseline", 1, ts);
    const double ug = avg("self_sufficiency_units_gap", 0, ts);
    out << pad(std::to_string(year), 6) << pad(fmt("%.1f%%", 100 * ap), 12) << pad(fmt("%.1f%%", 100 * ab), 10)
        << pad(fmt("%+.1f", 100 * (ap - ab)), 9) << pad(fmt("%+.1f", 100 * ug), 12) << pad(fmt("%.1f%%", 100 * hp), 12) << pad(fmt("%.1f%%", 100 * hb), 10)
        << pad(fmt("%+.1f", 100 * (hp - hb)), 9) << pad(fmt("%+.0fk", (cp - cb) / 1e3), 14)
        << pad(cb > 0 ? fmt("%+.1f%%", 100 * (cp - cb) / cb) : "-", 8) << "\n";
  }
  out << "(gaps in percentage points; compute in H100-equivalents)\n";

  // Buyers' welfare: what the policy costs each country's AI firms, over the whole horizon.
  out << "\nBuyers' welfare: consumer surplus loss over the whole horizon, USD billion (baseline \"" << c.baseline.name
      << "\" - policy \"" << c.policy.name << "\"; negative: buyers gain)\n";
  for (std::size_t k2 = 0; k2 < C; ++k2) {
    double s = 0;
    for (std::size_t t = 0; t < T; ++t) s += e.variable("consumer_surplus_loss").data[t * C + k2];
    out << pad(e.dimension("country").labels[k2], 8) << pad(fmt("%.1f", s / 1e9), 10) << "\n";
  }
  out << "(log-sum over each AI firm's price coefficient, Small-Rosen; counts budgets as the runs made them)\n";
}

}  // namespace chipsim

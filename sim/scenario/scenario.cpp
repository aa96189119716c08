#include "sim/scenario/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

#include "sim/core/self_sufficiency.hpp"
#include "sim/scenario/assumptions.hpp"
#include "sim/scenario/demand_registry.hpp"
#include "sim/scenario/event_registry.hpp"
#include "sim/scenario/input_file.hpp"
#include "sim/scenario/critical_minerals_reader.hpp"
#include "sim/scenario/generation_ladder_reader.hpp"
#include "sim/scenario/supply_tiers_reader.hpp"
#include "sim/scenario/table_reader.hpp"

namespace chipsim {

namespace {

constexpr double kHuge = 1e18;  // upper bound for money and unit counts in validation

// The largest multiple of its start value that a path x(t+1) = x(t) (1 + g(t)),
// g(t+1) = g(t) (1 - decay), reaches over `periods` periods (1 if it never grows). Used to
// check at load time that a growing budget, capacity or volume stays within the range its key
// allows over the whole horizon (a long horizon with steady growth otherwise overflows the
// solver mid-run). Stops once the factor passes `stop`.
double peak_growth_factor(double growth, double decay, int periods, double stop) {
  double x = 1.0, peak = 1.0;
  for (int t = 1; t < periods && peak <= stop; ++t) {
    x *= 1.0 + growth;
    growth *= 1.0 - decay;
    peak = std::max(peak, x);
    if (growth <= 0 && decay >= 0) break;  // no further growth
  }
  return peak;
}

// Fails at `growth_key` if `start` x the path's peak exceeds `limit` within the horizon.
// `steps_per_period` > 1: the path is stepped per month (growth and decay per month).
void check_projected(TableReader& t, const Model& m, std::string_view growth_key, const std::string& what, double start,
                     double growth, double decay, double limit, const std::string& unit, int steps_per_period = 1) {
  if (start <= 0 || growth <= 0) return;
  const double peak = start * peak_growth_factor(growth, decay, m.n_periods() * steps_per_period, limit / start);
  if (peak > limit) {
    std::ostringstream os;
    os << "at this growth " << what << " would pass " << limit << " " << unit << " (the largest value its key accepts) before "
       << m.calendar.label(m.n_periods() - 1) << "; shorten the horizon, or lower the growth or add a decay or ceiling";
    t.fail(growth_key, os.str());
  }
}

// Monthly figures in the scenario become per-period figures (quarterly runs: 3 months).
struct PeriodConversion {
  int months = 1;
  // Monthly runs take the value as written (bit for bit: 1 - (1 - x) is not always x).
  double flow(double per_month) const { return per_month * months; }
  double growth(double per_month) const { return months == 1 ? per_month : std::pow(1.0 + per_month, months) - 1.0; }
  double decay(double per_month) const { return months == 1 ? per_month : 1.0 - std::pow(1.0 - per_month, months); }
};

void read_header(TableReader& root, Model& m) {
  auto sc = root.table("scenario");
  if (!sc) root.fail("scenario", "missing: the file needs a [scenario] table with name, start and horizon");
  m.name = sc->string("name");
  m.description = sc->optional_string("description").value_or("");
  m.calendar.start = sc->month("start");
  m.calendar.horizon = sc->month("horizon");
  if (m.calendar.horizon < m.calendar.start) sc->fail("horizon", "must not be before start");
  const std::string period = sc->optional_string("period").value_or("month");
  if (period == "month")
    m.calendar.months_per_period = 1;
  else if (period == "quarter")
    m.calendar.months_per_period = 3;
  else
    sc->fail("period", "must be \"month\" or \"quarter\", got \"" + period + "\"");
  m.default_seed = static_cast<std::uint64_t>(sc->integer("seed", 0, INT64_MAX));
  m.record_ai_firm_series = sc->boolean_or("record_ai_firm_series", false);
  sc->finish();
}

void read_parameters(TableReader& root, Model& m) {
  if (auto p = root.table("parameters")) {
    Parameters& q = m.parameters;
    q.reference_unit_price_usd = p->number_or("reference_unit_price_usd", q.reference_unit_price_usd, 1.0, kHuge);
    q.utility_per_log_performance = p->number_or("utility_per_log_performance", q.utility_per_log_performance, 0.0, 100.0);
    q.performance_reference_tpp = p->number_or("performance_reference_tpp", q.performance_reference_tpp, 1.0, kHuge);
    q.compute_denominated_demand = p->number_or("compute_denominated_demand", q.compute_denominated_demand, 0.0, 1.0);
    if (p->has("pricing")) {
      const std::string how = p->string("pricing");
      if (how == "uniform") q.pricing = Pricing::uniform;
      else if (how == "by_destination") q.pricing = Pricing::by_destination;
      else p->fail("pricing", "must be \"uniform\" or \"by_destination\", got \"" + how + "\"");
    }
    q.pricing_tolerance = p->number_or("pricing_tolerance", q.pricing_tolerance, 1e-15, 1e-2);
    q.pricing_max_iterations = static_cast<int>(p->integer_or("pricing_max_iterations", q.pricing_max_iterations, 1, 1000000));
    q.pricing_acceleration_memory =
        p->has("pricing_acceleration_memory") ? static_cast<int>(p->integer("pricing_acceleration_memory", 0, 50)) : q.pricing_acceleration_memory;
    if (p->has("hbm_generations")) {
      q.hbm_generations = p->strings("hbm_generations");
      std::set<std::string> gens(q.hbm_generations.begin(), q.hbm_generations.end());
      if (gens.size() != q.hbm_generations.size()) p->fail("hbm_generations", "names must be unique");
    }
    q.invariant_tolerance = p->number_or("invariant_tolerance", q.invariant_tolerance, 1e-15, 1e-2);
    q.budget_carryover_share = p->number_or("budget_carryover_share", q.budget_carryover_share, 0.0, 1.0);
    q.budget_carryover_decay_per_year = p->number_or("budget_carryover_decay_per_year", q.budget_carryover_decay_per_year, 0.0, 1.0);
    q.appeal_decay_per_generation = p->number_or("appeal_decay_per_generation", q.appeal_decay_per_generation, 0.0, 100.0);
    q.ecosystem_utils_per_log_base = p->number_or("ecosystem_utils_per_log_base", q.ecosystem_utils_per_log_base, 0.0, 100.0);
    q.ecosystem_reference_h100e = p->number_or("ecosystem_reference_h100e", q.ecosystem_reference_h100e, 1.0, kHuge);
    q.ecosystem_depreciation_per_month =
        p->number_or("ecosystem_depreciation_per_month", q.ecosystem_depreciation_per_month, 0.0, 1.0);
    q.mandate_max_shadow_tax_utils = p->number_or("mandate_max_shadow_tax_utils", q.mandate_max_shadow_tax_utils, 0.0, 1000.0);
    p->finish();
  }
}

void check_unique(TableReader& t, const std::string& key, const std::string& value, std::set<std::string>& seen,
                  const char* what) {
  if (!seen.insert(value).second) t.fail(key, std::string("duplicate ") + what + " \"" + value + "\"");
}

// Reads [demand] once the world is known: a demand model may check its keys against it.
void read_demand(TableReader& root, Model& m) {
  auto d = root.table("demand");
  static const toml::table empty;
  TableReader defaults(empty, m.scenario_file, "demand");
  TableReader& table = d ? *d : defaults;
  m.demand_model = table.optional_string("model").value_or("logit");
  if (!has_demand_model(m.demand_model)) {
    std::string known;
    for (const auto& n : demand_model_names()) known += (known.empty() ? "" : ", ") + n;
    table.fail("model", "unknown demand model \"" + m.demand_model + "\" (known: " + known + ")");
  }
  m.demand = make_demand_model(m.demand_model, table, m);
  table.finish();
}

void read_countries(TableReader& root, Model& m) {
  auto tables = root.tables("country");
  if (tables.empty()) root.fail("country", "missing: the world needs at least one [[country]]");
  std::set<std::string> seen;
  for (TableReader& t : tables) {
    Country c;
    c.code = t.string("code");
    check_unique(t, "code", c.code, seen, "country");
    c.name = t.optional_string("name").value_or(c.code);
    t.finish();
    m.countries.push_back(std::move(c));
  }
}

void read_firms(TableReader& root, Model& m, const PeriodConversion& conv) {
  std::set<std::string> seen;
  for (TableReader& t : root.tables("firm")) {
    Firm f;
    f.name = t.string("name");
    check_unique(t, "name", f.name, seen, "firm");
    f.home = read_country(t, "home", m);
    f.kind = read_product_kind(t, "kind");
    f.initial_cash_usd = t.number_or("initial_cash_usd", 0.0, -kHuge, kHuge);
    if (f.kind == ProductKind::accelerator) {
      // Stated per month: the weight of one period is that of its months compounded.
      f.expectation_weight = conv.decay(t.number_or("expectation_weight", f.expectation_weight, 0.0, 1.0));
      f.planning_buffer = t.number_or("planning_buffer", f.planning_buffer, 0.0, 10.0);
      // Scenario: utils per 1,000 USD per stack; model: utils per USD.
      if (t.has("hbm_price_sensitivity_per_kusd"))
        t.fail("hbm_price_sensitivity_per_kusd",
               "was removed: HBM is bought as a derived input at the line's value per stack, not through a logit "
               "(docs/MODEL_NOTES.md §4); use hbm_home_bias on accelerator makers and hbm_markup on HBM makers");
      f.hbm_home_bias = t.number_or("hbm_home_bias", 0.0, 0.0, 10.0);
      f.hbm_stockpile_months = t.number_or("hbm_stockpile_months", 0.0, 0.0, 120.0) / conv.months;
      f.design_around = t.boolean_or("design_around", false);
      f.design_around_efficiency = t.number_or("design_around_efficiency", f.design_around_efficiency, 0.01, 1.0);
      f.design_around_lag_periods =
          static_cast<int>(std::ceil(t.number_or("design_around_lag_months", 3, 0, 120) / conv.months));
      f.initial_installed_base_h100e = t.number_or("initial_installed_base_h100e", 0.0, 0.0, kHuge);
    } else {  // HBM makers
      f.hbm_markup = t.number_or("hbm_markup", 0.0, 0.0, 100.0);
    }
    f.learning_rate = t.number_or("learning_rate", 0.0, 0.0, 0.9);
    f.rd_share = t.number_or("rd_share", 0.0, 0.0, 1.0);
    f.knowledge_depreciation = conv.decay(t.number_or("knowledge_depreciation_per_month", 0.0, 0.0, 1.0));
    f.initial_knowledge_usd = t.number_or("initial_knowledge_usd", 0.0, 0.0, kHuge);
    f.knowledge_reference_usd = t.number_or("knowledge_reference_usd", f.knowledge_reference_usd, 1.0, kHuge);
    f.arrival_hazard = conv.flow(t.number_or("arrival_hazard_per_month", 0.0, 0.0, 1.0));
    f.knowledge_elasticity = t.number_or("knowledge_elasticity", f.knowledge_elasticity, 0.0, 10.0);
    f.catch_up = t.number_or("catch_up", 0.0, 0.0, 10.0);
    f.controls_access_penalty = t.number_or("controls_access_penalty", 0.0, 0.0, 1.0);
    f.capex_usd_per_unit = t.number_or("capex_usd_per_unit", 0.0, 0.0, kHuge) / conv.months;
    f.build_lag_periods = static_cast<int>(std::ceil(t.number_or("build_lag_months", 0, 0, 240) / conv.months));
    f.invest_utilisation = t.number_or("invest_utilisation", f.invest_utilisation, 0.0, 10.0);
    f.invest_margin = t.number_or("invest_margin", f.invest_margin, -1.0, 1.0);
    f.invest_step = t.number_or("invest_step", f.invest_step, 0.0, 10.0);  // per month: decided month by month (invest)
    f.mineral_exposure = read_mineral_exposure(t, m);
    t.optional_string("source");
    t.finish();
    m.firms.push_back(std::move(f));
  }
  if (m.firms.empty()) root.fail("firm", "missing: the world needs at least one [[firm]]");
}

void read_products(TableReader& root, Model& m, const PeriodConversion& conv) {
  std::set<std::string> seen;
  for (TableReader& t : root.tables("product")) {
    Product p;
    p.name = t.string("name");
    check_unique(t, "name", p.name, seen, "product");
    p.kind = read_product_kind(t, "kind");
    p.owner = read_firm(t, "owner", m);
    if (m.firms[p.owner].kind != p.kind) t.fail("kind", "does not match the kind of its owner " + m.firms[p.owner].name);
    p.origin = t.has("origin") ? read_country(t, "origin", m) : m.firms[p.owner].home;
    p.fab = t.has("fab") ? read_country(t, "fab", m) : p.origin;
    if (t.has("launch") && t.raw().get("launch")->is_string() && t.raw().get("launch")->as_string()->get() == "on_arrival") {
      t.mark_used("launch");
      p.launch_on_arrival = true;
      p.launch = m.calendar.start;
    } else {
      p.launch = t.month("launch");
    }
    p.end = t.optional_month("end");
    if (p.end && *p.end < p.launch) t.fail("end", "must not be before launch");
    if (t.has("sold_to")) {
      for (const std::string& code : t.strings("sold_to")) {
        auto c = m.country_index(code);
        if (!c) t.fail("sold_to", "unknown country \"" + code + "\"");
        p.sold_to.push_back(*c);
      }
      if (p.sold_to.empty()) t.fail("sold_to", "must name at least one country (omit it to sell everywhere)");
    }
    p.attributes = unknown_attributes();
    auto set_attr = [&](Attribute a, const char* key) {
      if (auto v = t.optional_number(key, 0.0, kHuge)) p.attributes[static_cast<int>(a)] = *v;
    };
    set_attr(Attribute::tpp, "tpp");
    set_attr(Attribute::perf_density, "perf_density");
    set_attr(Attribute::interconnect_GBps, "interconnect_GBps");
    set_attr(Attribute::memory_bandwidth_GBps, "memory_bandwidth_GBps");
    set_attr(Attribute::hbm_stacks, "hbm_stacks");
    set_attr(Attribute::bandwidth_density_GBps_mm2, "bandwidth_density_GBps_mm2");
    auto hbm_generation = [&](const char* key) {
      const std::string g = t.string(key);
      const auto& gens = m.parameters.hbm_generations;
      const auto it = std::find(gens.begin(), gens.end(), g);
      if (it == gens.end()) {
        std::string known;
        for (const auto& n : gens) known += (known.empty() ? "" : ", ") + n;
        t.fail(key, "unknown HBM generation \"" + g + "\" (parameters.hbm_generations: " +
                        (known.empty() ? std::string("none listed") : known) + ")");
      }
      return static_cast<int>(it - gens.begin());
    };
    double die_area = 0;
    if (p.kind == ProductKind::accelerator) {
      const double tpp = p.attributes[static_cast<int>(Attribute::tpp)];
      if (std::isnan(tpp) || !(tpp > 0))
        t.fail("tpp", "missing or zero: accelerators need their TPP (dense TOPS x bit length)");
      if (auto area = t.optional_number("die_area_mm2", 1.0, 1e5)) {
        die_area = *area;
        if (std::isnan(p.attributes[static_cast<int>(Attribute::perf_density)]))
          p.attributes[static_cast<int>(Attribute::perf_density)] = tpp / *area;  // BIS: PD = TPP / die area
      }
      p.generation = static_cast<int>(t.integer_or("generation", 0, 0, 1000));
      if (p.launch_on_arrival && !t.has("generation"))
        t.fail("launch", "a product launched on arrival needs its generation");
      const double ai_efficiency = t.number_or("ai_efficiency", 1.0, 1e-6, 100.0);
      p.performance_h100e = tpp / m.parameters.performance_reference_tpp * ai_efficiency;
      const double k = p.attributes[static_cast<int>(Attribute::hbm_stacks)];
      p.hbm_stacks = std::isnan(k) ? 0.0 : k;
      if (p.hbm_stacks > 0) {
        if (!t.has("hbm_generation_min"))
          t.fail("hbm_generation_min", "missing: an accelerator with hbm_stacks > 0 needs the lowest HBM generation it can use");
        p.hbm_generation = hbm_generation("hbm_generation_min");
        p.initial_hbm_stock = t.number_or("initial_hbm_stock_stacks", 0.0, 0.0, kHuge);
      } else if (t.has("hbm_generation_min")) {
        t.fail("hbm_generation_min", "only meaningful with hbm_stacks > 0");
      }
    } else {
      p.hbm_generation = hbm_generation("generation");
      p.generation = p.hbm_generation;
      p.attributes[static_cast<int>(Attribute::hbm_generation)] = p.hbm_generation;
      p.performance_h100e = 1.0;  // per stack; AI compute is counted on accelerators only
      if (t.has("tpp")) t.fail("tpp", "HBM products have no TPP");
    }
    read_product_supply(t, m, p, die_area);
    p.appeal = t.number_or("appeal", 0.0, -100.0, 100.0);
    p.marginal_cost_usd = t.number("marginal_cost_usd", 0.0, kHuge);
    p.capacity_units = conv.flow(t.number("capacity_units_per_month", 0.0, kHuge));
    p.capacity_growth_per_month = t.number_or("capacity_growth_per_month", 0.0, -0.99, 10.0);
    p.capacity_max = conv.flow(t.number_or("capacity_max_units_per_month", 0.0, 0.0, kHuge));
    if (p.capacity_max > 0 && p.capacity_max < p.capacity_units)
      t.fail("capacity_max_units_per_month", "must not be below capacity_units_per_month");
    // Default: one month of capacity at launch (cumulative units; the same in monthly and quarterly runs).
    p.learning_reference_units = t.number_or("learning_reference_units", std::max(1.0, p.capacity_units / conv.months), 1.0, kHuge);
    if (p.capacity_max <= 0)
      check_projected(t, m, "capacity_growth_per_month", "the capacity of " + p.name, p.capacity_units / conv.months,
                      p.capacity_growth_per_month, 0.0, kHuge, "units per month", conv.months);
    t.optional_string("source");
    t.optional_string("note");
    t.finish();
    m.products.push_back(std::move(p));
  }
  if (m.products.empty()) root.fail("product", "missing: the world needs at least one [[product]]");
  for (int j = 0; j < m.n_products(); ++j) m.products_of_kind[static_cast<int>(m.products[j].kind)].push_back(j);
}

void read_ai_firms(TableReader& root, Model& m, const PeriodConversion& conv) {
  std::set<std::string> seen;
  for (TableReader& t : root.tables("ai_firm")) {
    AiFirm a;
    a.name = t.string("name");
    check_unique(t, "name", a.name, seen, "AI firm");
    a.country = read_country(t, "country", m);
    a.budget_usd_per_month = t.number("budget_usd_per_month", 0.0, kHuge);
    a.budget_growth_per_month = t.number_or("budget_growth_per_month", 0.0, -0.99, 10.0);
    a.budget_growth_decay_per_month = t.number_or("budget_growth_decay_per_month", 0.0, 0.0, 1.0);
    // Scenario: utils per thousand USD of price (readable magnitudes); model: utils per USD.
    a.price_sensitivity_per_usd = t.number("price_sensitivity_per_kusd", 1e-9, 1e3) / 1000.0;
    a.home_bias = t.number_or("home_bias", 0.0, -100.0, 100.0);
    a.compute_depreciation = conv.decay(t.number_or("compute_depreciation_per_month", 0.0, 0.0, 1.0));
    a.initial_compute_h100e = t.number_or("initial_compute_h100e", 0.0, 0.0, kHuge);
    a.algorithmic_efficiency = t.number_or("algorithmic_efficiency", 1.0, 1e-6, 1e6);
    a.efficiency_growth = conv.growth(t.number_or("efficiency_growth_per_month", 0.0, 0.0, 1.0));
    a.capability_exponent = t.number_or("capability_exponent", a.capability_exponent, 0.0, 2.0);
    a.revenue_per_capability_usd = conv.flow(t.number_or("revenue_per_capability_usd_per_month", 0.0, 0.0, kHuge));
    a.reinvestment_share = t.number_or("reinvestment_share", 0.0, 0.0, 1.0);
    check_projected(t, m, "budget_growth_per_month", "the budget of " + a.name, a.budget_usd_per_month,
                    a.budget_growth_per_month, a.budget_growth_decay_per_month, kHuge, "USD per month", conv.months);
    t.optional_string("source");
    t.optional_string("note");
    t.finish();
    m.ai_firms.push_back(std::move(a));
  }
  if (m.ai_firms.empty()) root.fail("ai_firm", "missing: the world needs at least one [[ai_firm]] (buyer)");
}

void read_hbm_buyers(TableReader& root, Model& m, const PeriodConversion& conv) {
  std::set<std::string> seen;
  for (TableReader& t : root.tables("hbm_buyer")) {
    HbmBuyer b;
    b.name = t.string("name");
    check_unique(t, "name", b.name, seen, "HBM buyer");
    b.country = read_country(t, "country", m);
    const std::string g = t.string("hbm_generation_min");
    const auto& gens = m.parameters.hbm_generations;
    const auto it = std::find(gens.begin(), gens.end(), g);
    if (it == gens.end()) t.fail("hbm_generation_min", "unknown HBM generation \"" + g + "\" (see parameters.hbm_generations)");
    b.hbm_generation = static_cast<int>(it - gens.begin());
    b.stacks_per_month = t.number("stacks_per_month", 0.0, 1e11);
    b.growth_per_month = t.number_or("growth_per_month", 0.0, -0.99, 10.0);
    b.max_stacks_per_month = t.number_or("max_stacks_per_month", 0.0, 0.0, 1e11);
    b.value_per_stack_usd = t.number("value_per_stack_usd", 0.0, 1e8);
    if (b.max_stacks_per_month <= 0)
      check_projected(t, m, "growth_per_month", "the stacks bought by " + b.name, b.stacks_per_month, b.growth_per_month, 0.0,
                      1e11, "stacks per month", conv.months);
    t.optional_string("source");
    t.optional_string("note");
    t.finish();
    m.hbm_buyers.push_back(std::move(b));
  }
}

void read_governments(TableReader& root, Model& m, const PeriodConversion& conv) {
  std::set<std::string> seen;
  for (TableReader& t : root.tables("government")) {
    Government g;
    g.country = read_country(t, "country", m);
    check_unique(t, "country", m.countries[g.country].code, seen, "government of");
    g.subsidy_budget_usd = conv.flow(t.number_or("subsidy_budget_usd_per_month", 0.0, 0.0, kHuge));
    g.rd_subsidy_rate = t.number_or("rd_subsidy_rate", 0.0, 0.0, 10.0);
    g.capex_subsidy_rate = t.number_or("capex_subsidy_rate", 0.0, 0.0, 1.0);
    g.procurement_mandate = t.number_or("procurement_mandate", 0.0, 0.0, 1.0);
    g.enforcement = t.number_or("enforcement", 1.0, 0.0, 1.0);
    g.grey_market_markup = t.number_or("grey_market_markup", g.grey_market_markup, 0.0, 10.0);
    g.grey_market_markup_slope = t.number_or("grey_market_markup_slope", g.grey_market_markup_slope, 0.0, 10.0);
    g.grey_market_markup_adjustment =
        conv.decay(t.number_or("grey_market_markup_adjustment_per_month", g.grey_market_markup_adjustment, 0.01, 1.0));
    g.smuggling_capacity_units = conv.flow(t.number_or("smuggling_capacity_units_per_month", 0.0, 0.0, kHuge));
    g.smuggling_seizure_rate = t.number_or("smuggling_seizure_rate", 0.0, 0.0, 0.5);
    if (t.has("smuggling_booked_in")) g.smuggling_booked_in = read_country(t, "smuggling_booked_in", m);
    if (auto name = t.optional_string("self_sufficiency_measure")) {
      const auto measure = parse_self_sufficiency_measure(*name);
      if (!measure) t.fail("self_sufficiency_measure", "must be \"compute\", \"value\" or \"units\", got \"" + *name + "\"");
      g.self_sufficiency_measure = static_cast<int>(*measure);
    }
    if (auto w = t.table("objective")) {
      if (w->has("revenue"))
        w->fail("revenue", "replaced by `profit`: the objective weighs domestic firms' operating profit (revenue - licence fees - "
                           "production and HBM cost, USD bn a year), so that a licence fee is counted once (as the issuer's income)");
      g.w_profit = w->number_or("profit", 0.0, -1e6, 1e6);
      g.discount_rate = w->number_or("discount_rate_per_year", g.discount_rate, 0.0, 0.5);
      g.w_self_sufficiency = w->number_or("self_sufficiency", 0.0, -1e6, 1e6);
      g.w_compute = w->number_or("compute_lead", 0.0, -1e6, 1e6);
      g.w_income = w->number_or("fee_and_tariff_income", 0.0, -1e6, 1e6);
      g.w_subsidy = w->number_or("subsidy_cost", 0.0, -1e6, 1e6);
      if (w->has("rival")) g.rival = read_country(*w, "rival", m);
      if (g.w_compute != 0 && g.rival < 0) w->fail("rival", "missing: compute_lead compares with a rival country");
      w->finish();
    }
    if (auto r = t.table("reaction")) {
      g.target_self_sufficiency = r->number_or("target_self_sufficiency", 0.0, 0.0, 1.0);
      g.subsidy_step = conv.flow(r->number_or("rd_subsidy_step", 0.0, 0.0, 10.0));  // per month
      g.max_rd_subsidy_rate = r->number_or("max_rd_subsidy_rate", 10.0, 0.0, 10.0);
      g.compute_gap_trigger = r->number_or("compute_gap_trigger", 0.0, 0.0, 1e6);
      g.tighten_factor = r->number_or("tighten_factor", 1.0, 0.01, 1.0);
      if (g.compute_gap_trigger > 0 && g.rival < 0)
        r->fail("compute_gap_trigger", "needs objective.rival: the country whose compute is watched");
      r->finish();
    }
    t.optional_string("source");
    t.optional_string("note");
    t.finish();
    m.governments.push_back(g);
  }
}

void read_tariffs(TableReader& root, Model& m) {
  for (TableReader& t : root.tables("tariff")) {
    Tariff x;
    x.importer = read_country(t, "importer", m);
    x.origin = read_country(t, "origin", m);
    if (x.importer == x.origin) t.fail("origin", "a country does not levy tariffs on its own products");
    x.kind = read_product_kind(t, "kind");
    x.rate = t.number("rate", 0.0, 5.0);
    t.optional_string("source");
    t.finish();
    m.initial_tariffs.push_back(x);
  }
}

void read_events(TableReader& root, Model& m) {
  struct Pending {
    Event event;
    std::string rule_id;  // for control events: which rule they touch
    int until_period = -1;
  };
  std::vector<Pending> pending;
  for (TableReader& t : root.tables("event")) {
    Pending p;
    p.event.where = t.where();
    p.event.date = t.month("date");
    p.event.action = t.string("action");
    const EventParser* parser = find_event_action(p.event.action);
    if (p.event.action == "add_control" && t.has("kind")) {  // HBM rules need HBM in the world
      const toml::node* k = t.raw().get("kind");
      if (k->is_string() && k->as_string()->get() == "hbm" && m.parameters.hbm_generations.empty())
        t.fail("kind", "an HBM rule needs parameters.hbm_generations and HBM products");
    }
    if (!parser) {
      std::string known;
      for (const auto& n : event_action_names()) known += (known.empty() ? "" : ", ") + n;
      t.fail("action", "unknown action \"" + p.event.action + "\" (known: " + known + ")");
    }
    if (t.has("id")) {
      const toml::node* n = t.raw().get("id");
      if (n->is_string()) p.rule_id = n->as_string()->get();
    }
    t.optional_string("note");
    std::optional<Month> announced;
    if (p.event.action == "add_control") announced = t.optional_month("announced");
    if (auto prob = t.optional_number("probability_per_month", 0.0, 1.0)) {
      p.event.probability = 1.0 - std::pow(1.0 - *prob, m.calendar.months_per_period);
      const auto until = t.optional_month("until");
      // The last period whose start is nearest to the month after `until` ends the window (so a
      // quarterly window spans as many months as a monthly one, on average).
      const int last = until ? m.calendar.period_nearest(Month::from_serial(until->serial() + 1)) - 1 : m.n_periods() - 1;
      if (until && *until < p.event.date) t.fail("until", "must not be before date");
      p.until_period = std::min(last, m.n_periods() - 1);
    } else if (t.has("until")) {
      t.fail("until", "only meaningful with probability_per_month (a stochastic event)");
    }
    p.event.effect = (*parser)(t, m);
    t.optional_string("id");  // any event may carry an id (for `extend.drop_events`); control rules also use it
    t.finish();
    const int period = m.calendar.period_nearest(p.event.date);
    p.event.period = period < 0 ? 0 : period;  // dated before the start: in force from period 0
    p.event.until_period = p.until_period;
    if (announced) {
      if (p.event.date < *announced) t.fail("announced", "must not be after the rule's date");
      const int a = m.calendar.period_nearest(*announced);
      m.announced_rules.push_back({a < 0 ? 0 : a, p.event.period, *p.event.effect->added_rule()});
    }
    pending.push_back(std::move(p));
  }
  std::stable_sort(pending.begin(), pending.end(),
                   [](const Pending& a, const Pending& b) { return a.event.date < b.event.date; });
  // Walk the control-rule events in order: ids must be added before they are changed.
  std::set<std::string> active, active_supply;
  for (const Pending& p : pending) {
    const std::string& a = p.event.action;
    if (a == "add_equipment_control" || a == "add_foundry_control") {
      if (!active_supply.insert(p.rule_id).second)
        fail_at(p.event.where, "event " + a + ": rule \"" + p.rule_id + "\" is already in force at " + p.event.date.to_string());
    } else if (a == "remove_equipment_control" || a == "remove_foundry_control") {
      if (!active_supply.erase(p.rule_id))
        fail_at(p.event.where, "event " + a + ": no rule \"" + p.rule_id + "\" is in force at " + p.event.date.to_string() +
                                   " (supply controls must be added by an earlier add_equipment_control or add_foundry_control)");
    }
    if (a == "add_control") {
      if (!active.insert(p.rule_id).second)
        fail_at(p.event.where, "event add_control: rule \"" + p.rule_id + "\" is already in force at " +
                                   p.event.date.to_string() + " (use modify_control)");
    } else if (a == "modify_control" || a == "remove_control") {
      if (!active.count(p.rule_id))
        fail_at(p.event.where, "event " + a + ": no rule \"" + p.rule_id + "\" is in force at " +
                                   p.event.date.to_string() + " (rules must be added by an earlier add_control)");
      if (a == "remove_control") active.erase(p.rule_id);
    }
  }
  for (Pending& p : pending) m.events.push_back(std::move(p.event));

  // Allies' adoptions of rules become events of their own, after the lag (after the rule
  // happens, for a stochastic rule).
  std::vector<Event> adoptions;
  for (std::size_t k = 0; k < m.events.size(); ++k) {
    const Event& e = m.events[k];
    const ControlRule* rule = e.effect->added_rule();
    if (!rule) continue;
    for (const AllyAdoption& ally : rule->allies) {
      Event a;
      a.date = Month::from_serial(e.date.serial() + ally.lag_periods * m.calendar.months_per_period);
      a.period = e.period + ally.lag_periods;
      a.action = "ally_adoption";
      a.where = e.where;
      a.effect = make_ally_adoption(*rule, ally, m.countries[ally.country].code, m.events.size() + adoptions.size());
      if (e.probability >= 0) {
        a.follows = static_cast<int>(k);
        a.follow_lag = ally.lag_periods;
      }
      adoptions.push_back(std::move(a));
    }
  }
  for (Event& a : adoptions) m.events.push_back(std::move(a));
  // In order of period (stable: file order within a period), keeping the follow-up links. A
  // follow-up comes after the event it follows (later period, or same period and added later).
  std::vector<std::size_t> order(m.events.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return m.events[a].period < m.events[b].period; });
  std::vector<int> position(order.size());
  for (std::size_t k = 0; k < order.size(); ++k) position[order[k]] = static_cast<int>(k);
  std::vector<Event> sorted;
  sorted.reserve(order.size());
  for (std::size_t k : order) sorted.push_back(std::move(m.events[k]));
  for (Event& e : sorted)
    if (e.follows >= 0) e.follows = position[static_cast<std::size_t>(e.follows)];
  m.events = std::move(sorted);
}

// Design-around (docs/SPEC.md §3): for every deny rule that bars a product of a firm with
// design_around = true, the firm offers a compliant variant to the rule's destinations
// design_around_lag after the rule: the attributes that trigger the rule are cut to 97 % of
// its thresholds (TPP first, scaling performance density with it), at the performance lost plus
// the firm's design_around_efficiency penalty. Variants are ordinary products from then on
// (a later rule may bar them too).
void add_design_around_variants(Model& m) {
  constexpr double kUnderThreshold = 0.97;
  const int n_original = m.n_products();
  std::vector<Product> variants;
  for (std::size_t event_index = 0; event_index < m.events.size(); ++event_index) {
    const Event& e = m.events[event_index];
    const ControlRule* rule = e.effect->added_rule();
    if (!rule || rule->treatment != Treatment::deny || rule->kind != static_cast<int>(ProductKind::accelerator)) continue;
    for (int j = 0; j < n_original; ++j) {
      const Product& p = m.products[j];
      const Firm& firm = m.firms[p.owner];
      // Products that exist only after an innovation draw cannot be redesigned in advance.
      if (!firm.design_around || p.kind != ProductKind::accelerator || p.variant_of >= 0 || p.launch_on_arrival) continue;
      if (std::find(rule->jurisdictions.begin(), rule->jurisdictions.end(), p.origin) == rule->jurisdictions.end()) continue;
      // Only rules that bite through attributes can be designed around (not named-product rules).
      bool by_attributes = false;
      for (const Prong& prong : rule->prongs) {
        if (!prong.products.empty()) continue;
        bool holds = true;
        for (const Condition& c : prong.conditions) holds = holds && c.holds(p.attributes);
        by_attributes = by_attributes || holds;
      }
      if (!by_attributes) continue;
      Product v = p;
      auto& a = v.attributes;
      const int tpp = static_cast<int>(Attribute::tpp), pd = static_cast<int>(Attribute::perf_density);
      for (int round = 0; round < 8 && rule->matches(static_cast<int>(m.products.size()), a); ++round) {
        for (const Prong& prong : rule->prongs) {
          if (!prong.products.empty()) continue;
          bool holds = true;
          for (const Condition& c : prong.conditions) holds = holds && c.holds(a);
          if (!holds) continue;
          const Condition* cut = nullptr;  // the condition to break: TPP if the prong has one
          for (const Condition& c : prong.conditions)
            if ((c.comparison == Comparison::ge || c.comparison == Comparison::gt) && (!cut || c.attribute == Attribute::tpp)) cut = &c;
          if (!cut) continue;
          const int k = static_cast<int>(cut->attribute);
          const double target = kUnderThreshold * cut->threshold;
          if (k == tpp && !std::isnan(a[pd])) a[pd] *= target / a[tpp];
          a[k] = target;
        }
      }
      if (rule->matches(static_cast<int>(m.products.size()), a)) continue;  // cannot be designed around
      const double tpp_ratio = std::isnan(p.attributes[tpp]) ? 1.0 : a[tpp] / p.attributes[tpp];
      v.name = p.name + "_" + rule->id + "_variant";
      v.variant_of = j;
      v.launch_on_arrival = false;
      // Not before the original itself is on sale.
      v.launch = std::max(p.launch, Month::from_serial(e.date.serial() + firm.design_around_lag_periods * m.calendar.months_per_period));
      if (e.probability >= 0) {  // a stochastic rule: only once it has happened
        v.launch_follows_event = static_cast<int>(event_index);
        v.launch_lag = firm.design_around_lag_periods;
      }
      v.sold_to = rule->destinations;
      v.performance_h100e = p.performance_h100e * tpp_ratio * firm.design_around_efficiency;
      if (m.calendar.period_of(v.launch) >= m.n_periods()) continue;
      if (m.product_index(v.name) ||
          std::any_of(variants.begin(), variants.end(), [&](const Product& w) { return w.name == v.name; }))
        continue;  // the same rule id added again: one variant
      variants.push_back(std::move(v));
    }
  }
  for (Product& v : variants) {
    m.products_of_kind[static_cast<int>(v.kind)].push_back(m.n_products());
    m.products.push_back(std::move(v));
  }
}

}  // namespace

namespace {

constexpr int kMaxExtendDepth = 16;

std::string read_text(const std::string& path) {
  if (const std::string why = input_file_problem(path); !why.empty()) throw IoError(path + ": " + why);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path + ": cannot open scenario file (does it exist and is it readable?)");
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) throw IoError(path + ": error while reading the scenario file");
  return buf.str();
}

// The key that identifies an entry of an array of tables when a scenario extends another.
const char* identity_key(std::string_view array) {
  if (array == "country") return "code";
  if (array == "government") return "country";
  if (array == "firm" || array == "product" || array == "ai_firm" || array == "hbm_buyer" || array == "process_node" ||
      array == "packaging_line" || array == "critical_mineral") return "name";
  return nullptr;  // tariff, event: appended
}

std::string identity_of(const toml::table& entry, const char* key) {
  const toml::node* n = entry.get(key);
  return n && n->is_string() ? n->as_string()->get() : std::string();
}

// Merges `child` into `base` (both owned; nodes are moved so that they keep their source
// locations). Tables merge key by key (the child wins); arrays of tables merge entries with the
// same identity (name/code/country) key by key and append the others; events are appended.
// A plain array (e.g. hbm_generations, sold_to) is replaced as a whole.
void merge_into(toml::table& base, toml::table& child) {
  for (auto&& [key, value] : child) {
    toml::node* existing = base.get(key);
    if (existing && existing->is_table() && value.is_table()) {
      merge_into(*existing->as_table(), *value.as_table());
      continue;
    }
    const char* id = identity_key(key.str());
    const bool array_of_tables = value.is_array() && !value.as_array()->empty() && value.as_array()->is_array_of_tables();
    if (existing && existing->is_array() && array_of_tables) {
      toml::array& into = *existing->as_array();
      for (auto& element : *value.as_array()) {
        toml::table* entry = element.as_table();
        toml::table* match = nullptr;
        if (id && entry)
          for (auto& candidate : into)
            if (candidate.is_table() && !identity_of(*entry, id).empty() &&
                identity_of(*candidate.as_table(), id) == identity_of(*entry, id))
              match = candidate.as_table();
        if (match)
          merge_into(*match, *entry);
        else
          into.push_back(std::move(element));
      }
      continue;
    }
    base.insert_or_assign(key, std::move(value));
  }
}

// Sets one overridden value in a resolved scenario document (errors located at `where`).
void apply_override(toml::table& doc, const ScenarioOverride& o, const SourceLocation& where) {
  auto bad = [&](const std::string& why) { fail_at(where, "override " + o.path + ": " + why); };
  const auto first = o.path.find('.');
  if (first == std::string::npos) bad("expected table.key or array.name.key");
  const std::string head = o.path.substr(0, first), rest = o.path.substr(first + 1);
  toml::node* node = doc.get(head);
  if (!node) bad("no [" + head + "] in the scenario");
  if (toml::table* t = node->as_table()) {
    if (o.text.empty())
      t->insert_or_assign(rest, o.value);
    else
      t->insert_or_assign(rest, o.text);
    return;
  }
  toml::array* a = node->as_array();
  const auto second = rest.find('.');
  const char* id = identity_key(head);
  if (!a || !id || second == std::string::npos) bad("expected array.name.key, e.g. firm.Huawei.rd_share");
  const std::string name = rest.substr(0, second), key = rest.substr(second + 1);
  for (auto& e : *a)
    if (e.is_table() && identity_of(*e.as_table(), id) == name) {
      if (o.text.empty())
        e.as_table()->insert_or_assign(key, o.value);
      else
        e.as_table()->insert_or_assign(key, o.text);
      return;
    }
  bad("no " + head + " named " + name);
}

// Parses a scenario and, if it has an [extend] table, the chain of scenarios it extends.
toml::table resolve_scenario(const std::string& text, const std::string& file, int depth, std::vector<std::string>& chain,
                             std::vector<std::vector<Assumption>>& marks) {
  toml::table doc = parse_toml(text, file);
  chain.push_back(file);
  marks.push_back(find_assumptions(text));
  toml::node* ext = doc.get("extend");
  if (!ext) return doc;
  if (!ext->is_table()) fail_at(location_of(ext->source(), file), "extend: must be a table with base = \"file.toml\"");
  TableReader x(*ext->as_table(), file, "extend");
  const std::string base_name = x.string("base");
  std::vector<std::string> drop;
  if (x.has("drop_events")) drop = x.strings("drop_events");
  const bool drop_all = x.boolean_or("drop_all_events", false);
  // [extend.set]: "path" = number, set after the merge (a calibrated scenario's estimates).
  std::vector<std::pair<ScenarioOverride, SourceLocation>> sets;
  if (x.has("set")) {
    const toml::table* set = ext->as_table()->get_as<toml::table>("set");
    if (!set) x.fail("set", "must be a table of \"path\" = number, e.g. \"firm.Huawei.rd_share\" = 0.2");
    for (auto&& [key, value] : *set) {
      const SourceLocation at = location_of(value.source(), file);
      const auto number = value.value<double>();
      if (!number || !(value.is_floating_point() || value.is_integer()))
        fail_at(at, "extend.set.\"" + std::string(key.str()) + "\": must be a number");
      sets.push_back({ScenarioOverride{std::string(key.str()), *number}, at});
    }
    x.mark_used("set");
  }
  x.finish();
  if (depth >= kMaxExtendDepth) x.fail("base", "scenarios extend each other too deeply (a cycle?)");
  namespace fs = std::filesystem;
  const std::string base_path = (fs::path(file).parent_path() / base_name).lexically_normal().string();
  std::string base_text;
  try {
    base_text = read_text(base_path);
  } catch (const IoError&) {
    x.fail("base", "cannot read the extended scenario " + base_path);
  }
  toml::table base = resolve_scenario(base_text, base_path, depth + 1, chain, marks);

  // Events of the base: all, none, or all but those whose id is dropped.
  if (toml::array* events = base["event"].as_array()) {
    std::set<std::string> found;
    toml::array kept;
    for (auto& e : *events) {
      const std::string id = e.is_table() ? identity_of(*e.as_table(), "id") : std::string();
      const bool dropped = drop_all || (!id.empty() && std::find(drop.begin(), drop.end(), id) != drop.end());
      if (!id.empty() && dropped) found.insert(id);
      if (!dropped) kept.push_back(std::move(e));
    }
    for (const std::string& id : drop)
      if (!found.count(id)) x.fail("drop_events", "the extended scenario has no event with id \"" + id + "\"");
    base.insert_or_assign("event", std::move(kept));
  } else if (!drop.empty()) {
    x.fail("drop_events", "the extended scenario has no events");
  }
  doc.erase("extend");
  merge_into(base, doc);
  for (const auto& [o, at] : sets) apply_override(base, o, at);
  return base;
}

}  // namespace


std::optional<double> scenario_value(const std::string& scenario_text, const std::string& path) {
  toml::table doc;
  try {
    doc = toml::parse(scenario_text);
  } catch (const toml::parse_error&) {
    return std::nullopt;
  }
  const auto first = path.find('.');
  if (first == std::string::npos) return std::nullopt;
  const std::string head = path.substr(0, first), rest = path.substr(first + 1);
  const toml::node* node = doc.get(head);
  if (!node) return std::nullopt;
  if (const toml::table* t = node->as_table()) return t->get(rest) ? t->get(rest)->value<double>() : std::nullopt;
  const toml::array* a = node->as_array();
  const auto second = rest.find('.');
  const char* id = identity_key(head);
  if (!a || !id || second == std::string::npos) return std::nullopt;
  const std::string name = rest.substr(0, second), key = rest.substr(second + 1);
  for (const auto& e : *a)
    if (e.is_table() && identity_of(*e.as_table(), id) == name) {
      const toml::node* v = e.as_table()->get(key);
      return v ? v->value<double>() : std::nullopt;
    }
  return std::nullopt;
}

Model load_scenario_text(const std::string& text, const std::string& file, const std::vector<ScenarioOverride>& overrides) {
  std::vector<std::string> chain;
  std::vector<std::vector<Assumption>> marks;  // one list per file of the chain, this file first
  toml::table doc = resolve_scenario(text, file, 0, chain, marks);
  for (const ScenarioOverride& o : overrides) apply_override(doc, o, {file, 0, 0});
  std::reverse(marks.begin(), marks.end());  // base first: the extending file's marks win
  const std::vector<Assumption> assumptions = merge_assumptions(marks);
  // The text stored in output files: the file verbatim, or the resolved document (comments do
  // not survive it), with the ASSUMPTION-marked keys appended as comments either way.
  std::string resolved = text;
  if (chain.size() > 1 || !overrides.empty()) {
    std::ostringstream os;
    os << "# resolved scenario: " << chain.front();
    for (std::size_t k = 1; k < chain.size(); ++k) os << " extends " << chain[k];
    for (const ScenarioOverride& o : overrides) {
      os << "\n# override " << o.path << " = ";
      if (o.text.empty())
        os << o.value;
      else
        os << '"' << o.text << '"';
    }
    os << "\n" << assumptions_block(assumptions) << doc << "\n";
    resolved = os.str();
  } else if (text.find(kAssumptionsMarker) == std::string::npos && !assumptions.empty()) {
    resolved = text + (text.empty() || text.back() == '\n' ? "" : "\n") + "\n" + assumptions_block(assumptions);
  }
  Model m;
  m.scenario_file = file;
  m.scenario_text = resolved;
  TableReader root(doc, file, "");
  read_header(root, m);
  PeriodConversion conv{m.calendar.months_per_period};
  read_parameters(root, m);
  read_countries(root, m);
  read_critical_minerals(root, m);
  read_firms(root, m, conv);
  read_supply_tiers(root, m);
  read_products(root, m, conv);
  read_generation_ladders(root, m);
  read_ai_firms(root, m, conv);
  read_hbm_buyers(root, m, conv);
  read_demand(root, m);
  read_governments(root, m, conv);
  read_tariffs(root, m);
  read_events(root, m);
  add_design_around_variants(m);
  root.finish();
  return m;
}

Model load_scenario(const std::string& path, const std::vector<ScenarioOverride>& overrides) {
  return load_scenario_text(read_text(path), path, overrides);
}

}  // namespace chipsim

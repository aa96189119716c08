#include "agents/chipmakers.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "agents/governments.hpp"

namespace chipsim {

namespace {
// Grains of the parallel loops: small worlds run them inline (task overhead would exceed the
// work); each agent writes only its own slots, so results do not depend on the split.
constexpr std::size_t kProductsPerTask = 64;
constexpr int kFirmsPerTask = 16;

// Periods until an announced rule denies HBM to `country`, or 0 if none is pending.
int periods_until_hbm_ban(const Model& model, int period, int country) {
  int soonest = 0;
  for (const auto& a : model.announced_rules) {
    const ControlRule& r = a.rule;
    if (r.kind != static_cast<int>(ProductKind::hbm) || r.treatment != Treatment::deny) continue;
    if (period < a.announced_period || period >= a.effective_period) continue;
    if (std::find(r.destinations.begin(), r.destinations.end(), country) == r.destinations.end()) continue;
    const int wait = a.effective_period - period;
    if (soonest == 0 || wait < soonest) soonest = wait;
  }
  return soonest;
}

// Learning by doing from the output of past periods: this period's unit costs (Wright's law on
// the maker's own costs; dies and packaging from the upstream tiers).
void learn(const Model& model, State& state) {
  for (int j = 0; j < model.n_products(); ++j) {
    const Product& p = model.products[j];
    const double rate = model.firms[p.owner].learning_rate;
    double own = p.marginal_cost_usd * state.mineral_cost_factor(j);  // critical-mineral controls in force
    if (rate > 0) {
      const double b = -std::log2(1.0 - rate);
      const double doublings_base = std::max(1.0, state.cumulative_output(j) / p.learning_reference_units);
      own *= std::pow(doublings_base, -b);
    }
    // Its own costs after learning, plus dies and packaging at contract prices (their learning
    // is the node's: agents/foundries.cpp).
    state.unit_cost_usd(j) = own + state.input_cost_usd(j);
  }
}
// Capacity at the start of the period: exogenous growth of products launched in an earlier
// period, and investments whose build lag has passed.
void grow_capacity(const Model& model, State& state) {
  const int months = model.calendar.months_per_period;
  const int first = model.calendar.month_of(state.period).serial();  // this period's first month
  for (int j = 0; j < model.n_products(); ++j) {
    const Product& p = model.products[j];
    if (!state.launched[static_cast<std::size_t>(j)] || state.launch_period(j) > state.period) continue;
    // The exogenous path, month by month: the capacity at launch (per month) in the first month on
    // sale (the launch month, or the start), then growth each month up to the ceiling; capacity
    // above the ceiling (invested) is kept. The period's capacity is the sum of its months on
    // sale: a quarterly run counts a mid-quarter launch or end of sale for its months only, so that
    // it sees the capacity of three monthly periods. Monthly runs: one month, as written.
    const bool launch_period = state.launch_period(j) == state.period || (state.period == 0 && state.launch_period(j) < 0);
    const int on_from = launch_period && !p.launch_on_arrival && p.launch.serial() > first ? p.launch.serial() - first : 0;
    const int on_to = p.end ? std::min(months, p.end->serial() - first + 1) : months;  // months [on_from, on_to) on sale
    if (months == 1 && launch_period) continue;  // monthly: the launch level, no growth yet
    const double ceiling = p.capacity_max / months;  // per month
    // A product made on a process node by its own maker (HBM on a DRAM node) grows at the pace
    // the node's equipment access allows (positive growth only: agents/foundries.hpp).
    const bool own_node = p.kind == ProductKind::hbm && p.process_node >= 0;
    const double growth = own_node && p.capacity_growth_per_month > 0
                              ? p.capacity_growth_per_month * state.node_equipment_access(p.process_node)
                              : p.capacity_growth_per_month;
    double& level = state.capacity_month_units(j);
    double sum = 0;
    for (int k = on_from; k < months; ++k) {
      if (!(launch_period && k == on_from)) {
        const double next = level * (1.0 + growth);
        level = p.capacity_max > 0 ? std::max(level, std::min(next, ceiling)) : next;
      }
      if (k < on_to) sum += level;
    }
    state.capacity_units(j) = months == 1 ? level : sum;
  }
  auto due = [&](const State::PendingCapacity& x) { return x.arrival_period < state.period; };
  for (const auto& x : state.pending_capacity)
    if (due(x)) {
      state.capacity_units(x.product) += x.units;
      state.capacity_month_units(x.product) += x.units / model.calendar.months_per_period;
    }
  state.pending_capacity.erase(std::remove_if(state.pending_capacity.begin(), state.pending_capacity.end(), due),
                               state.pending_capacity.end());
}
}  // namespace

void plan_production(const Model& model, State& state) {
  learn(model, state);
  grow_capacity(model, state);
  const auto& accelerators = model.products_of(ProductKind::accelerator);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, accelerators.size(), kProductsPerTask), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t n = r.begin(); n != r.end(); ++n) {
      const int j = accelerators[n];
      const Product& p = model.products[j];
      const Firm& f = model.firms[p.owner];
      if (state.period > 0 && state.offered[static_cast<std::size_t>(j)]) {
        // Sales at the output ceiling (capacity or HBM) understate demand: the maker reads the
        // demand it would have met at a price without the ceiling (the market's notional
        // demand, from the shadow cost of the ceiling), so that plans and HBM purchases rest on
        // demand, not on what an input shortage let it sell.
        const double observed = std::max(state.units_sold(j), state.notional_demand(j));
        auto& seen = state.demand_observed[static_cast<std::size_t>(j)];
        // The first observation replaces the launch guess (capacity); later ones are smoothed.
        state.expected_demand(j) = seen ? state.expected_demand(j) + f.expectation_weight * (observed - state.expected_demand(j))
                                        : observed;
        seen = 1;
      }
      const bool on_sale = state.available.row(j).sum() > 0;
      state.planned_output(j) = on_sale ? std::min(state.capacity_units(j), state.expected_demand(j) * (1.0 + f.planning_buffer)) : 0.0;
      state.hbm_demand(j) = 0;
      if (p.hbm_stacks <= 0) continue;
      const double use = state.planned_output(j) * p.hbm_stacks;  // stacks this period
      double want = std::max(0.0, use - state.hbm_stock(j));
      const bool future_on_date = !p.launch_on_arrival && model.calendar.month_of(state.period) < p.launch;
      const bool ended = p.end && *p.end < model.calendar.month_of(state.period);
      if (f.hbm_stockpile_months > 0 && (on_sale || future_on_date) && !ended) {
        if (const int wait = periods_until_hbm_ban(model, state.period, p.origin); wait > 0) {
          // Stock wanted when the ban starts, on top of this period's use; bought evenly until then.
          const double target = f.hbm_stockpile_months * std::max(use, p.capacity_units * p.hbm_stacks);
          want += std::max(0.0, target - std::max(0.0, state.hbm_stock(j) - use)) / wait;
        }
      }
      state.hbm_demand(j) = want;
    }
  });
}

namespace {

// The firm's access to chip-making equipment: the lowest equipment access of the process
// nodes its launched products are made on (1 if none is: the tiers are not modelled for it). What
// slows a controlled firm's R&D is the tools its fabs cannot buy or have serviced, not a ban on
// selling it chips (MODEL_NOTES §3b).
double equipment_access_of(const Model& model, const State& state, int firm) {
  double access = 1.0;
  for (int j = 0; j < model.n_products(); ++j) {
    const Product& p = model.products[j];
    if (p.owner != firm || p.process_node < 0 || !state.launched[static_cast<std::size_t>(j)]) continue;
    access = std::min(access, state.node_equipment_access(p.process_node));
  }
  return access;
}

void research(const Model& model, State& state) {
  const int F = model.n_firms();
  for (int f = 0; f < F; ++f) {  // firm order: subsidies are paid first come, first served
    const Firm& firm = model.firms[f];
    const double revenue = state.revenue_usd.row(f).sum();
    state.rd_spend_usd(f) = firm.rd_share * revenue;
    state.rd_subsidy_usd(f) = draw_subsidy(state, firm.home, state.rd_subsidy_rate(firm.home) * state.rd_spend_usd(f));
    state.firm_cash_usd(f) -= state.rd_spend_usd(f);
    state.knowledge_usd(f) =
        (1.0 - firm.knowledge_depreciation) * state.knowledge_usd(f) + state.rd_spend_usd(f) + state.rd_subsidy_usd(f);
  }
}

// A ladder's rung arrives: its specs drawn relative to the world frontier (the most performant
// accelerator on sale, `frontier_h100e`) and its predecessor, once per rung (counter-based: the
// same draw at any time step), and its learning curve started from a share of its predecessor's
// output when both are made on one node (docs/MODEL_NOTES.md §7, "Generation ladder").
void draw_rung_specs(const Model& model, State& state, int j, double frontier_h100e) {
  const Product& p = model.products[j];
  const GenerationLadder& g = model.generation_ladders[static_cast<std::size_t>(p.ladder)];
  const Product& base = model.products[static_cast<std::size_t>(g.template_product)];
  const auto draw = [&](std::uint64_t k, double lo, double hi) {
    return lo + (hi - lo) * uniform01(state.random, static_cast<std::uint64_t>(j), 0, RandomPurpose::generation_specs, k);
  };
  const double performance =
      std::max(frontier_h100e * draw(0, g.performance_ratio_min, g.performance_ratio_max), state.performance_h100e(p.predecessor));
  const double area = state.die_area_mm2(p.predecessor) * draw(1, g.die_area_ratio_min, g.die_area_ratio_max);
  state.performance_h100e(j) = performance;
  state.die_area_mm2(j) = area;
  // Attributes scale from the template's: TPP and memory bandwidth with performance (the same
  // AI efficiency per TPP), performance density with TPP per unit of die area.
  const double scale = performance / base.performance_h100e;
  auto& a = state.attributes[static_cast<std::size_t>(j)];
  const auto& b = base.attributes;
  const int tpp = static_cast<int>(Attribute::tpp), pd = static_cast<int>(Attribute::perf_density),
            bw = static_cast<int>(Attribute::memory_bandwidth_GBps);
  a[tpp] = b[tpp] * scale;
  if (!std::isnan(b[pd])) a[pd] = b[pd] * scale * (base.die_area_mm2 > 0 && area > 0 ? base.die_area_mm2 / area : 1.0);
  if (!std::isnan(b[bw])) a[bw] = b[bw] * scale;
  const Product& before = model.products[static_cast<std::size_t>(p.predecessor)];
  if (p.process_node >= 0 && before.process_node == p.process_node)
    state.cumulative_output(j) = std::max(state.cumulative_output(j), g.learning_spillover * state.cumulative_output(p.predecessor));
}

void innovate(const Model& model, State& state) {
  const int F = model.n_firms();
  // Generations reached: the highest launched product generation of each firm and kind.
  // Month by month within the period (quarterly runs): a product launched in this period counts
  // from its launch month, so the hazard of a quarter is the sum of its months' hazards, each with
  // that month's gap to the frontier (monthly runs: one month, as before).
  const int months = model.calendar.months_per_period;
  const int first_month = model.calendar.month_of(state.period).serial();
  state.firm_generation.setConstant(F, -1);
  // (month within the period, firm or kind) -> generation reached by then
  std::vector<std::array<int, kProductKinds>> frontier_in(static_cast<std::size_t>(months));
  std::vector<Eigen::VectorXi> generation_in(static_cast<std::size_t>(months), Eigen::VectorXi::Constant(F, -1));
  for (auto& x : frontier_in) x.fill(-1);
  for (int j = 0; j < model.n_products(); ++j) {
    const Product& p = model.products[j];
    if (!state.launched[static_cast<std::size_t>(j)] || state.launch_period(j) > state.period) continue;
    state.firm_generation(p.owner) = std::max(state.firm_generation(p.owner), p.generation);
    const int from = state.launch_period(j) == state.period && !p.launch_on_arrival ? std::max(0, p.launch.serial() - first_month) : 0;
    for (int k = from; k < months; ++k) {
      auto& fr = frontier_in[static_cast<std::size_t>(k)][static_cast<int>(p.kind)];
      fr = std::max(fr, p.generation);
      auto& g = generation_in[static_cast<std::size_t>(k)](p.owner);
      g = std::max(g, p.generation);
    }
  }
  state.arrival_hazard.setZero(F);
  double frontier_h100e = 0;  // the most performant accelerator on sale (ladder rungs are drawn against it)
  for (int j : model.products_of(ProductKind::accelerator))
    if (state.launched[static_cast<std::size_t>(j)] && state.launch_period(j) <= state.period)
      frontier_h100e = std::max(frontier_h100e, state.performance_h100e(j));
  tbb::parallel_for(tbb::blocked_range<int>(0, F, kFirmsPerTask), [&](const tbb::blocked_range<int>& r) {
    for (int f = r.begin(); f != r.end(); ++f) {
      const Firm& firm = model.firms[f];
      if (firm.arrival_hazard <= 0) continue;
      // The firm's waiting product of the generation right after its own; an HBM maker's next is
      // its lowest waiting generation above its own (HBM makers skip generations: CXMT's HBM2 ->
      // HBM3).
      int next = -1;
      for (int j = 0; j < model.n_products(); ++j) {
        const Product& p = model.products[j];
        if (p.owner != f || !p.launch_on_arrival || state.launched[static_cast<std::size_t>(j)]) continue;
        const bool follows = firm.kind == ProductKind::hbm ? p.generation > state.firm_generation(f)
                                                            : p.generation == state.firm_generation(f) + 1;
        if (follows && (next < 0 || p.generation < model.products[next].generation)) next = j;
      }
      if (next < 0) continue;
      // access = 1 - penalty x (1 - equipment access): full tools, no penalty; none, the whole penalty.
      const double access = 1.0 - firm.controls_access_penalty * (1.0 - equipment_access_of(model, state, f));
      const double k = std::max(state.knowledge_usd(f), 0.0) / firm.knowledge_reference_usd;
      double catch_up = 0;  // mean over the period's months of 1 + catch_up x gap
      for (int m = 0; m < months; ++m) {
        const int gap = std::max(0, frontier_in[static_cast<std::size_t>(m)][static_cast<int>(firm.kind)] -
                                        generation_in[static_cast<std::size_t>(m)](f));
        catch_up += (1.0 + firm.catch_up * gap) / months;
      }
      const double hazard = firm.arrival_hazard * std::pow(k, firm.knowledge_elasticity) * catch_up * access;
      state.arrival_hazard(f) = hazard;
      // The generation arrives once its hazard, summed since it became the firm's next one,
      // reaches an exponential threshold drawn once for (firm, generation): the same process as a
      // draw per period with probability 1 - exp(-hazard), with arrivals that line up across
      // time steps for one seed.
      const int generation = model.products[next].generation;
      if (state.hazard_generation(f) != generation) state.hazard_generation(f) = generation, state.integrated_hazard(f) = 0;
      state.integrated_hazard(f) += hazard;
      const double threshold = exponential_threshold(state.random, static_cast<std::uint64_t>(f),
                                                     static_cast<std::uint64_t>(generation), RandomPurpose::generation_arrival);
      if (state.integrated_hazard(f) >= threshold) {
        state.launched[static_cast<std::size_t>(next)] = 1;  // on sale from the next period
        state.launch_period(next) = state.period + 1;
        if (model.products[next].ladder >= 0) draw_rung_specs(model, state, next, frontier_h100e);
      }
    }
  });
}

// Pays `capex` (less the home government's capex subsidy, from its remaining budget) and queues
// `units` of capacity for product j after its maker's build lag.
void queue_investment(const Model& model, State& state, int j, double units, double capex) {
  const int owner = model.products[j].owner;
  const Firm& firm = model.firms[owner];
  const double subsidy = draw_subsidy(state, firm.home, state.capex_subsidy_rate(firm.home) * capex);
  state.capex_usd(owner) += capex - subsidy;
  state.capex_subsidy_usd(owner) += subsidy;
  state.firm_cash_usd(owner) -= capex - subsidy;
  state.pending_capacity.push_back({state.period + firm.build_lag_periods, j, units});
}

double under_construction(const State& state, int j) {
  double building = 0;
  for (const auto& x : state.pending_capacity)
    if (x.product == j) building += x.units;
  return building;
}

void invest(const Model& model, State& state) {
  state.capex_usd.setZero(model.n_firms());
  state.capex_subsidy_usd.setZero(model.n_firms());
  for (int j : model.products_of(ProductKind::accelerator)) {  // product order: budget first come, first served
    const Product& p = model.products[j];
    const Firm& firm = model.firms[p.owner];
    if (firm.capex_usd_per_unit <= 0 || !state.offered[static_cast<std::size_t>(j)] || state.capacity_units(j) <= 0)
      continue;
    // The demand the firm expects from now on: its expectation updated with this period's sales
    // (as read at the output ceiling: notional demand), the forecast it will plan the next period
    // with. Decisions thus use the period just observed, whatever its length.
    const double observed = std::max(state.units_sold(j), state.notional_demand(j));
    const double expected = state.demand_observed[static_cast<std::size_t>(j)]
                                ? state.expected_demand(j) + firm.expectation_weight * (observed - state.expected_demand(j))
                                : observed;
    const double price = state.price_usd(j);
    const double cost = state.unit_cost_usd(j) + p.hbm_stacks * state.hbm_unit_cost_usd(j);
    const double building = under_construction(state, j);  // capacity already under construction counts as capacity
    const double margin = price > 0 ? (price - cost) / price : 0.0;
    // The monthly rule, taken once per month of the period (a quarterly run decides three times,
    // on the same expectations, as three monthly periods would): while expected demand exceeds
    // invest_utilisation x (capacity + capacity under construction), add invest_step x capacity.
    double added = 0;
    for (int k = 0; k < model.calendar.months_per_period; ++k) {
      const double utilisation = expected / (state.capacity_units(j) + building + added);
      if (utilisation <= firm.invest_utilisation || margin <= firm.invest_margin) break;
      added += firm.invest_step * state.capacity_units(j);
    }
    if (!(added > 0)) continue;
    queue_investment(model, state, j, added, firm.capex_usd_per_unit * added);
  }
  // HBM makers with capex_usd_per_unit: a generation sold to invest_utilisation of its output
  // ceiling at a margin above invest_margin adds invest_step x capacity per month (HBM demand
  // beyond capacity is not observed: the sold-out stack is the signal), while less than
  // build-lag months of such steps are under construction. On a DRAM node the capacity a dollar
  // buys is scaled by the node's equipment access (§3b: controls make capacity dearer).
  for (int j : model.products_of(ProductKind::hbm)) {
    const Product& p = model.products[j];
    const Firm& firm = model.firms[p.owner];
    const double capacity = state.capacity_units(j);
    if (firm.capex_usd_per_unit <= 0 || !state.launched[static_cast<std::size_t>(j)] || !(capacity > 0)) continue;
    const double price = state.price_usd(j);
    const double margin = price > 0 ? (price - state.unit_cost_usd(j)) / price : 0.0;
    const double step = firm.invest_step * capacity * model.calendar.months_per_period;
    if (state.units_sold(j) < firm.invest_utilisation * state.effective_capacity(j) || margin <= firm.invest_margin) continue;
    if (under_construction(state, j) >= step * std::max(1, firm.build_lag_periods)) continue;
    const double access = p.process_node >= 0 ? state.node_equipment_access(p.process_node) : 1.0;
    queue_investment(model, state, j, step * access, firm.capex_usd_per_unit * step);
  }
}

}  // namespace

void innovate_and_invest(const Model& model, State& state) {
  for (int j = 0; j < model.n_products(); ++j) state.cumulative_output(j) += state.units_sold(j);
  // The installed base on each vendor's platform: last period's, depreciated month by month, plus
  // the compute its accelerators sold this period (sim/core/ecosystem.hpp).
  const double retained = std::pow(1.0 - model.parameters.ecosystem_depreciation_per_month, model.calendar.months_per_period);
  state.installed_base_h100e *= retained;
  for (int j : model.products_of(ProductKind::accelerator))
    state.installed_base_h100e(model.products[j].owner) += state.units_sold(j) * state.performance_h100e(j);
  research(model, state);
  innovate(model, state);
  invest(model, state);
}

}  // namespace chipsim

#include "sim/pipeline/pipeline.hpp"

#include <array>

#include "agents/ai_firms.hpp"
#include "agents/chipmakers.hpp"
#include "agents/foundries.hpp"
#include "agents/governments.hpp"
#include "sim/markets/accelerator_market.hpp"
#include "sim/markets/foundry_market.hpp"
#include "sim/pipeline/accounting.hpp"
#include "sim/markets/hbm_market.hpp"
#include "sim/policy/policy.hpp"
#include "sim/pipeline/record.hpp"

namespace chipsim {

namespace {

void invest_all(const Model& m, State& s) {
  innovate_and_invest(m, s);
  invest_in_supply_tiers(m, s);
}

void update_buyers_and_score(const Model& m, State& s) {
  update_ai_firms(m, s);
  score_governments(m, s);
}

constexpr std::array<Stage, 12> kStages = {{
    {"apply_events", apply_policy_events},                  // 1. dated policy events
    {"govern", govern},                                     // 2. subsidy budgets, reaction rules
    {"resolve_market_access", resolve_market_access},       //    rules in force -> who may sell what where
    {"advance_supply_tiers", advance_supply_tiers},         // 3a. equipment access, node and packaging capacity, yields
    {"plan_production", plan_production},                   // 3. learning, capacity, output plans, HBM demand
    {"clear_foundry_and_packaging", clear_foundry_and_packaging}, // 3b. wafers -> good dies, packaging slots
    {"clear_hbm_market", clear_hbm_market},                 // 4. HBM prices, stacks, trade
    {"clear_accelerator_market", clear_accelerator_market}, // 5. output <= capacity, dies, packaging, HBM; Bertrand-Nash
    {"book_accounts", book_accounts},                       // 6. revenue, fees, tariffs, trade
    {"innovate_and_invest", invest_all},                    // 7. R&D, generation arrivals, investment (lines, nodes, packaging)
    {"update_ai_firms", update_buyers_and_score},           // 8. compute, capability, budgets; scores
    {"record_period", record_period},                       // 9. outputs
}};
}  // namespace

std::span<const Stage> period_pipeline() { return kStages; }

State run_model(const Model& model, const RunOptions& options) {
  State state = initial_state(model, RandomKey{options.seed, options.run});
  define_outputs(model, state.series);
  const int n = model.n_periods();
  for (state.period = 0; state.period < n; ++state.period) {
    for (const Stage& stage : kStages) {
      stage.run(model, state);
      if (options.check_invariants && stage.run == book_accounts) check_invariants(model, state);
    }
    if (options.on_period) options.on_period(state.period, n);
  }
  state.period = n - 1;
  return state;
}

}  // namespace chipsim

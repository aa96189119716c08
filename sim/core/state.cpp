#include "sim/core/state.hpp"

#include <limits>

#include "sim/core/model.hpp"
#include "sim/core/monthly_path.hpp"

namespace chipsim {

State initial_state(const Model& model, RandomKey random) {
  const int P = model.n_products(), F = model.n_firms(), C = model.n_countries(), A = model.n_ai_firms();
  State s;
  s.period = 0;
  s.random = random;
  s.tariff.assign(static_cast<std::size_t>(C * C * kProductKinds), 0.0);
  for (const Tariff& t : model.initial_tariffs) s.tariff[model.tariff_slot(t.importer, t.origin, t.kind)] = t.rate;
  s.available.setZero(P, C);
  s.licence_fee.setZero(P, C);
  s.fee_recipient.setConstant(P, C, -1);
  s.tariff_rate.setZero(P, C);
  s.licence_decision.setZero(P, C);
  s.licence_until.setZero(P, C);
  s.licence_epoch.setConstant(P, C, -1);
  s.licence_rule.assign(static_cast<std::size_t>(P * C), std::string());
  s.quota_units.setConstant(P, C, std::numeric_limits<double>::infinity());
  s.quota_rationing.setZero(P, C);
  s.quota_slope.setZero(P, C);
  s.licence_status.setZero(P, C);

  const int N = static_cast<int>(model.process_nodes.size()), L = static_cast<int>(model.packaging_lines.size());
  s.node_wafers_month.resize(N);
  s.node_learning_wafers.resize(N);
  s.node_defect_density.resize(N);
  for (int n = 0; n < N; ++n) {
    const ProcessNode& node = model.process_nodes[static_cast<std::size_t>(n)];
    s.node_wafers_month(n) = node.wafers_per_month;
    s.node_learning_wafers(n) = node.learning_reference_wafers;
    s.node_defect_density(n) = node.defect_density_per_cm2;
  }
  s.node_capacity_wafers = s.node_wafers_month * model.calendar.months_per_period;
  s.mineral_denial.setZero(static_cast<Eigen::Index>(model.critical_minerals.size()), model.n_countries());
  s.mineral_cost_factor.setOnes(P);
  s.node_mineral_cost_factor.setOnes(N);
  s.node_mineral_capacity_factor.setOnes(N);
  s.packaging_mineral_cost_factor.setOnes(L);
  s.packaging_mineral_capacity_factor.setOnes(L);
  s.node_equipment_access.setOnes(N);
  s.node_wafer_price.setZero(N);
  s.node_wafer_cost_usd.setZero(N);
  s.node_capex_usd.setZero(N);
  s.node_capex_subsidy_usd.setZero(N);
  s.node_wafers_started.setZero(N);
  s.packaging_wafers_month.resize(L);
  for (int l = 0; l < L; ++l) s.packaging_wafers_month(l) = model.packaging_lines[static_cast<std::size_t>(l)].wafers_per_month;
  s.packaging_capacity_wafers = s.packaging_wafers_month * model.calendar.months_per_period;
  s.packaging_equipment_access.setOnes(L);
  s.packaging_price.setZero(L);
  s.packaging_cost_usd.setZero(L);
  s.packaging_capex_usd.setZero(L);
  s.packaging_capex_subsidy_usd.setZero(L);
  s.packaging_wafers_used.setZero(L);
  s.die_stock.resize(P);
  for (int j = 0; j < P; ++j) s.die_stock(j) = model.products[j].initial_die_stock;
  s.die_reserve = s.die_stock;
  s.dies_made.setZero(P);
  s.die_yield = Eigen::VectorXd::Constant(P, std::numeric_limits<double>::quiet_NaN());
  s.packaging_slots = Eigen::VectorXd::Constant(P, std::numeric_limits<double>::infinity());
  s.input_cost_usd.setZero(P);
  s.expected_margin_usd = Eigen::VectorXd::Constant(P, std::numeric_limits<double>::quiet_NaN());
  s.binding_input.setZero(P);

  s.expected_demand.resize(P);
  for (int j = 0; j < P; ++j) s.expected_demand(j) = model.products[j].capacity_units;
  s.planned_output.setZero(P);
  s.demand_observed.assign(static_cast<std::size_t>(P), 0);
  s.hbm_demand.setZero(P);
  s.hbm_bought.setZero(P);
  s.hbm_spend_usd.setZero(P);
  s.hbm_unit_cost_usd.setZero(P);
  s.hbm_buyer_bought.setZero(static_cast<Eigen::Index>(model.hbm_buyers.size()));
  s.hbm_buyer_spend_usd.setZero(static_cast<Eigen::Index>(model.hbm_buyers.size()));
  s.hbm_stock.resize(P);
  for (int j = 0; j < P; ++j) s.hbm_stock(j) = model.products[j].initial_hbm_stock;
  s.effective_capacity.setZero(P);
  s.capacity_shadow_cost.setZero(P);
  s.previous_shadow_cost.setZero(P);
  s.previous_price_usd = Eigen::VectorXd::Constant(P, std::numeric_limits<double>::quiet_NaN());
  s.notional_demand.setZero(P);
  s.offered.assign(static_cast<std::size_t>(P), 0);
  s.hbm_used.setZero(P);
  s.hbm_trade_usd.setZero(C, C);

  s.price_usd = Eigen::VectorXd::Constant(P, std::numeric_limits<double>::quiet_NaN());  // set by pricing
  s.price_to_usd = Eigen::ArrayXXd::Constant(P, C, std::numeric_limits<double>::quiet_NaN());
  s.units_sold.setZero(P);
  s.units_to.setZero(P, C);
  s.buyer_spend_usd.setZero(A);
  s.buyer_compute_h100e.setZero(A);
  s.consumer_surplus_usd.setZero(A);
  s.buyer_domestic_units.setZero(A);

  s.revenue_usd.setZero(F, C);
  s.firm_cash_usd.resize(F);
  for (int f = 0; f < F; ++f) s.firm_cash_usd(f) = model.firms[f].initial_cash_usd;
  s.fee_income_usd.setZero(C);
  s.tariff_income_usd.setZero(C);
  s.trade_usd.setZero(C, C);

  s.capacity_units.resize(P);
  s.capacity_month_units.resize(P);
  s.unit_cost_usd.resize(P);
  for (int j = 0; j < P; ++j) {
    s.capacity_units(j) = model.products[j].capacity_units;
    s.capacity_month_units(j) = model.products[j].capacity_units / model.calendar.months_per_period;
    s.unit_cost_usd(j) = model.products[j].marginal_cost_usd;
  }
  s.cumulative_output.setZero(P);
  s.launched.assign(static_cast<std::size_t>(P), 0);
  s.launch_period.setConstant(P, std::numeric_limits<int>::max());
  s.knowledge_usd.resize(F);
  for (int f = 0; f < F; ++f) s.knowledge_usd(f) = model.firms[f].initial_knowledge_usd;
  s.performance_h100e.resize(P);
  s.die_area_mm2.resize(P);
  s.attributes.resize(static_cast<std::size_t>(P));
  for (int j = 0; j < P; ++j) {
    s.performance_h100e(j) = model.products[j].performance_h100e;
    s.die_area_mm2(j) = model.products[j].die_area_mm2;
    s.attributes[static_cast<std::size_t>(j)] = model.products[j].attributes;
  }
  s.installed_base_h100e.resize(F);
  for (int f = 0; f < F; ++f) s.installed_base_h100e(f) = model.firms[f].initial_installed_base_h100e;
  s.rd_spend_usd.setZero(F);
  s.rd_subsidy_usd.setZero(F);
  s.capex_usd.setZero(F);
  s.capex_subsidy_usd.setZero(F);
  s.arrival_hazard.setZero(F);
  s.integrated_hazard.setZero(F);
  s.hazard_generation.setConstant(F, -2);
  s.firm_generation.setConstant(F, -1);
  s.fee_paid_usd.setZero(F);
  s.grey_margin_usd.setZero(C);
  s.grey_markup.setZero(P, C);
  s.leak_shift.setZero(P, C);
  s.buy_side_share.setZero(P, C);
  s.buy_side_cap.setConstant(P, C, std::numeric_limits<double>::infinity());
  s.customs_friction.setZero(P, C);
  s.customs_friction_usd.setZero(C);
  s.antitrust_fine_paid_usd.setZero(model.n_firms());
  s.antitrust_fine_income_usd.setZero(C);
  s.smuggling_issuer.setConstant(P, C, -1);
  s.smuggling_bound.setConstant(P, C, std::numeric_limits<double>::infinity());
  s.smuggled_units.setZero(P, C);
  s.smuggling_load.setZero(P, C);

  s.capacity_factor.setOnes(P);
  s.budget_factor.setOnes(A);
  s.event_period.assign(model.events.size(), -1);
  s.event_hazard.assign(model.events.size(), 0.0);

  s.subsidy_budget_usd.setZero(C);
  s.rd_subsidy_rate.setZero(C);
  s.capex_subsidy_rate.setZero(C);
  s.procurement_mandate.setZero(C);
  s.enforcement.setOnes(C);
  s.grey_market_markup.setConstant(C, Government{}.grey_market_markup);
  for (const Government& g : model.governments) {
    s.subsidy_budget_usd(g.country) = g.subsidy_budget_usd;
    s.rd_subsidy_rate(g.country) = g.rd_subsidy_rate;
    s.capex_subsidy_rate(g.country) = g.capex_subsidy_rate;
    s.procurement_mandate(g.country) = g.procurement_mandate;
    s.enforcement(g.country) = g.enforcement;
    s.grey_market_markup(g.country) = g.grey_market_markup;
  }
  s.subsidy_budget_left = s.subsidy_budget_usd;
  s.mandate_shadow_tax.setZero(C);
  s.mandate_shortfall.setZero(C);
  s.tightened.assign(static_cast<std::size_t>(C), 0);
  s.government_score.setZero(C);
  s.government_objective.setZero(C, State::kObjectiveTerms);

  s.budget_usd.resize(A);
  s.deferred_budget_usd.setZero(A);
  s.base_budget_usd.resize(A);
  s.budget_growth.resize(A);
  s.compute_stock_h100e.resize(A);
  s.efficiency.resize(A);
  s.capability.setZero(A);
  s.ai_revenue_usd.setZero(A);
  for (int i = 0; i < A; ++i) {
    // The first period's budget: its months' budgets; base and growth then stand at the next month.
    s.base_budget_usd(i) = model.ai_firms[i].budget_usd_per_month;
    s.budget_growth(i) = model.ai_firms[i].budget_growth_per_month;
    s.budget_usd(i) = advance_monthly_path(s.base_budget_usd(i), s.budget_growth(i),
                                           model.ai_firms[i].budget_growth_decay_per_month, model.calendar.months_per_period);
    s.compute_stock_h100e(i) = model.ai_firms[i].initial_compute_h100e;
    s.efficiency(i) = model.ai_firms[i].algorithmic_efficiency;
  }
  return s;
}

}  // namespace chipsim

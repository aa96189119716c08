#include "sim/pipeline/record.hpp"

#include <limits>

#include "sim/core/ecosystem.hpp"
#include "sim/core/self_sufficiency.hpp"

namespace chipsim {

namespace {
std::vector<std::string> labels_of(const std::vector<Country>& v) {
  std::vector<std::string> out;
  for (const auto& c : v) out.push_back(c.code);
  return out;
}
template <class T>
std::vector<std::string> names_of(const std::vector<T>& v) {
  std::vector<std::string> out;
  for (const auto& e : v) out.push_back(e.name);
  return out;
}
// Eigen arrays are column-major; the series are row-major (C order, like HDF5 and NumPy).
std::vector<double> row_major(const Eigen::ArrayXXd& a) {
  std::vector<double> out(static_cast<std::size_t>(a.size()));
  for (Eigen::Index r = 0; r < a.rows(); ++r)
    for (Eigen::Index c = 0; c < a.cols(); ++c) out[static_cast<std::size_t>(r * a.cols() + c)] = a(r, c);
  return out;
}
// A cap in row-major order with "no cap" (+inf in the state) written as NaN.
std::vector<double> row_major_caps(const Eigen::ArrayXXd& a) {
  std::vector<double> out = row_major(a);
  for (double& x : out)
    if (!std::isfinite(x)) x = std::numeric_limits<double>::quiet_NaN();
  return out;
}
void put(Series& s, const char* name, const std::vector<double>& v) { s.append(name, v.data(), v.size()); }
void put(Series& s, const char* name, const Eigen::VectorXd& v) { s.append(name, v.data(), static_cast<std::size_t>(v.size())); }
void put(Series& s, const char* name, double v) { s.append(name, &v, 1); }
}  // namespace

void define_outputs(const Model& model, Series& s) {
  const auto countries = labels_of(model.countries);
  s.add_dimension({"product", "product (accelerators and HBM)", names_of(model.products)});
  s.add_dimension({"firm", "chipmaker", names_of(model.firms)});
  if (model.record_ai_firm_series) s.add_dimension({"ai_firm", "AI firm (buyer)", names_of(model.ai_firms)});
  s.add_dimension({"country", "country or bloc", countries});
  s.add_dimension({"origin", "country of origin (export jurisdiction)", countries});
  s.add_dimension({"destination", "destination country", countries});
  s.add_dimension({"kind", "product kind", {"accelerator", "hbm"}});
  if (!model.hbm_buyers.empty()) {  // only worlds with outside HBM buyers have these variables
    s.add_dimension({"hbm_buyer", "HBM buyer outside the modelled accelerators", names_of(model.hbm_buyers)});
    s.define("hbm_buyer_bought", "HBM stacks bought by the outside buyer", "stacks per period", {"hbm_buyer"});
    s.define("hbm_buyer_spend", "paid for them, incl. tariffs", "USD", {"hbm_buyer"});
  }
  // The upstream tiers (only worlds that model them have these variables).
  if (!model.process_nodes.empty()) {
    s.add_dimension({"process_node", "foundry process node", names_of(model.process_nodes)});
    s.define("wafer_capacity", "wafer starts open to the modelled accelerators", "wafers per period", {"process_node"});
    s.define("wafers_started", "wafers made for the accelerator lines", "wafers per period", {"process_node"});
    s.define("wafer_shadow_price", "shadow price of the node's wafer capacity: the clearing price's premium over the wafer cost "
             "(0 when slack; lines pay the cost)", "USD per wafer", {"process_node"});
    s.define("defect_density", "defect density D0 (die yield = exp(-area D0))", "defects per cm2", {"process_node"});
    s.define("node_equipment_access", "access to the scarcest tool class the node needs", "share", {"process_node"});
    s.define("node_capex", "capacity investment of the node (own spending + subsidy)", "USD per period", {"process_node"});
    s.define("node_capex_subsidy", "government capex subsidy in node_capex", "USD per period", {"process_node"});
    s.define("die_yield", "share of gross dies that are good (NaN: not made on a node)", "share", {"product"});
    s.define("dies_made", "good logic dies made", "dies per period", {"product"});
    s.define("die_stock", "good logic dies held, end of period (incl. the die bank)", "dies", {"product"});
    s.define("die_reserve", "part of die_stock left of the die bank (initial_die_stock), drawn only when wafers fall short", "dies", {"product"});
  }
  if (!model.packaging_lines.empty()) {
    s.add_dimension({"packaging_line", "advanced-packaging line", names_of(model.packaging_lines)});
    s.define("packaging_capacity", "packaging (interposer) wafers", "wafers per period", {"packaging_line"});
    s.define("packaging_wafers_used", "packaging wafers used by the accelerator lines", "wafers per period", {"packaging_line"});
    s.define("packaging_shadow_price", "shadow price of the line's capacity: the clearing price's premium over its cost (0 when "
             "slack; lines pay the cost)", "USD per packaging wafer", {"packaging_line"});
    s.define("packaging_capex", "capacity investment of the packaging line (own spending + subsidy)", "USD per period", {"packaging_line"});
    s.define("packaging_capex_subsidy", "government capex subsidy in packaging_capex", "USD per period", {"packaging_line"});
    s.define("packaging_slots", "units the product line may assemble (NaN: no packaging line)", "units per period", {"product"});
  }
  if (!model.tool_classes.empty()) {
    s.add_dimension({"tool", "class of chip-making equipment", model.tool_classes});
    s.define("tool_access", "share of the world supply of the tool class fabs in the country can buy", "share", {"country", "tool"});
  }
  if (!model.critical_minerals.empty()) {
    std::vector<std::string> minerals;
    for (const auto& x : model.critical_minerals) minerals.push_back(x.name);
    s.add_dimension({"mineral", "critical mineral", minerals});
    s.define("mineral_denial", "share of the world's supply of the mineral denied to the country by export controls in force "
             "(producer share x enforcement)", "share", {"mineral", "country"});
    s.define("mineral_cost_factor", "factor on the maker's own unit cost from critical-mineral controls (1: none)", "1", {"product"});
  }
  s.define("binding_input", "the ceiling that binds output where capacity_shadow_cost > 0: 0 none, 1 line capacity, 2 dies, 3 packaging, 4 HBM",
           "code", {"product"});

  s.define("price", "producer price of the product (Bertrand-Nash with capacity limits)", "USD", {"product"});
  if (model.parameters.pricing == Pricing::by_destination)
    s.define("price_by_destination", "producer price of the product in each destination (pricing by destination)", "USD",
             {"product", "destination"});
  s.define("performance", "AI compute per unit (a generation ladder's rungs: drawn on arrival)", "H100e", {"product"});
  s.define("marginal_cost", "marginal cost of production after learning (accelerators: excluding HBM)", "USD", {"product"});
  s.define("cumulative_output", "units produced since the start", "units", {"product"});
  s.define("capacity", "production capacity (accelerators: units; HBM: stacks)", "units per period", {"product"});
  s.define("capacity_shadow_cost", "shadow cost of the output ceiling: the KKT multiplier mu of Q <= effective_capacity in the seller's profit maximisation (0 when the ceiling is slack)", "USD per unit", {"product"});
  s.define("notional_demand", "units the product would have sold at the price it would set without its output ceiling (first-order estimate from the shadow cost; = units sold when the ceiling is slack)", "units per period", {"product"});
  s.define("effective_capacity", "output ceiling: capacity x supply shocks (accelerators: and usable HBM / stacks per unit)", "units per period", {"product"});
  s.define("units_sold", "units (HBM: stacks) sold by product to destination", "units per period", {"product", "destination"});
  s.define("hbm_bought", "HBM stacks bought for the accelerator product line", "stacks per period", {"product"});
  s.define("hbm_stock", "HBM stacks held for the accelerator product line, end of period", "stacks", {"product"});
  s.define("hbm_spend", "HBM bought by the accelerator maker, incl. tariffs", "USD", {"firm"});
  s.define("available", "product may be sold to destination this period (1) or not (0)", "1", {"product", "destination"});
  s.define("licence_fee", "share of revenue owed to the licensing government", "1", {"product", "destination"});
  s.define("licence_quota", "volume quota of the licence on the flow this period (NaN: none)", "units", {"product", "destination"});
  s.define("quota_rationing", "rationing wedge (virtual price) that holds a binding licence quota; 0 where slack", "utils", {"product", "destination"});
  s.define("licence_status", "licence decision in force: 1 granted, -1 refused, 0 no licence decides the flow", "1", {"product", "destination"});
  s.define("grey_markup", "markup on grey-market flows: > 0 where the product is barred but leaks", "1", {"product", "destination"});
  s.define("smuggled_units", "accelerators smuggled: units delivered on a flow a rule denies but its issuer does not fully enforce (part of units_sold)", "units", {"product", "destination"});
  s.define("smuggling_bound", "bound on the smuggled flow: (1 - enforcement) x the flow the ban removed, less seizures, or the issuer's smuggling capacity; NaN where nothing is smuggled", "units", {"product", "destination"});
  s.define("buy_side_cap", "cap on the flow that holds the importer's buy-side guidance or procurement ban: (1 - complying share) x the flow at last period's prices; NaN where none", "units", {"product", "destination"});
  s.define("customs_friction_cost", "cost of the country's customs checks borne by its buyers (friction x value of the checked imports; collected by nobody)", "USD", {"country"});
  s.define("antitrust_fines_paid", "antitrust fines paid by the firm this period", "USD", {"firm"});
  s.define("antitrust_fine_income", "antitrust fines received by the government this period", "USD", {"country"});
  s.define("revenue", "gross revenue of the firm by destination", "USD", {"firm", "destination"});
  s.define("firm_cash", "cumulative cash: revenue - licence fees - production cost - HBM - R&D - capex (net of subsidies)", "USD", {"firm"});
  s.define("fee_paid", "licence fees paid by the firm", "USD", {"firm"});
  s.define("rd_spend", "own R&D spend (rd_share x revenue)", "USD", {"firm"});
  s.define("rd_subsidy", "R&D subsidy received from the home government", "USD", {"firm"});
  s.define("capex", "capacity investment paid, net of subsidy", "USD", {"firm"});
  s.define("capex_subsidy", "capex subsidy received from the home government", "USD", {"firm"});
  s.define("knowledge", "R&D knowledge stock", "USD", {"firm"});
  s.define("installed_base", "compute sold on the vendor's platform since before the start, depreciated (the software ecosystem's base)", "H100e", {"firm"});
  s.define("ecosystem_appeal", "mean utility its accelerators gain over the start from its installed base relative to the market's (0 when the ecosystem effect is off)", "utils", {"firm"});
  s.define("arrival_hazard", "hazard of reaching the next generation this period", "1/period", {"firm"});
  s.define("generation", "highest generation of the firm's launched products", "1", {"firm"});
  s.define("trade_value", "accelerator trade at producer prices by origin and destination", "USD", {"origin", "destination"});
  s.define("hbm_trade_value", "HBM trade at producer prices by origin and destination", "USD", {"origin", "destination"});
  s.define("fee_income", "licence-fee income of the government", "USD", {"country"});
  s.define("tariff_income", "tariff income of the government", "USD", {"country"});
  s.define("grey_market_margin", "markups paid to grey-market intermediaries on leaked flows into the country", "USD", {"country"});
  s.define("subsidies_paid", "R&D and capex subsidies paid by the government", "USD", {"country"});
  s.define("rd_subsidy_rate", "share of domestic firms' R&D matched by the government", "1", {"country"});
  s.define("mandate_shadow_tax", "shadow tax on the country's purchases of foreign accelerators that holds its procurement mandate (0: the floor is slack)", "utils", {"country"});
  s.define("mandate_shortfall", "procurement floor minus the domestic share where the floor is missed (out of reach at the largest shadow tax); 0 where it holds", "1", {"country"});
  s.add_dimension({"objective_term", "term of a government's objective",
                   {"profit", "self_sufficiency", "compute_lead", "fee_and_tariff_income", "subsidy_cost"}});
  s.define("government_score", "objective of the government, a rate per year at this period: the sum of its weighted terms (flows annualised; weights in the scenario)", "1 per year", {"country"});
  s.define("government_objective", "weighted terms of the government's objective (flows in USD bn a year x weight; levels x weight; subsidies negative)", "1 per year", {"country", "objective_term"});
  s.define("capability", "AI capability of the country's AI firms (sum of (compute x efficiency)^gamma)", "1", {"country"});
  s.define("buyer_spend", "spending of AI firms in the country on accelerators, incl. tariffs", "USD", {"country"});
  s.define("compute_purchased", "compute bought by AI firms in the country this period", "H100e", {"country"});
  s.define("compute_stock", "installed compute of AI firms in the country", "H100e", {"country"});
  s.define("self_sufficiency_compute", "domestic-made share of purchases (AI firms' accelerators; makers' HBM), by compute: H100e (HBM: stacks); the headline measure", "1", {"kind", "country"});
  s.define("self_sufficiency_value", "domestic-made share of purchases (AI firms' accelerators; makers' HBM), by value at producer prices", "1", {"kind", "country"});
  s.define("self_sufficiency_units", "domestic-made share of purchases (AI firms' accelerators; makers' HBM), by units", "1", {"kind", "country"});
  s.define("ai_budget", "compute budgets of the country's AI firms, as set at the end of the period for the next one", "USD per period", {"country"});
  s.define("ai_deferred_budget", "unspent budgets of the country's AI firms carried into the next period", "USD", {"country"});
  s.define("ai_revenue", "AI revenue of the country's AI firms", "USD", {"country"});
  s.define("consumer_surplus", "accelerator buyers' consumer surplus: the AI firms' log-sum over the price coefficient (Small-Rosen), a level up to a constant; compare differences (NaN for CES demand)", "USD per period", {"country"});
  if (model.record_ai_firm_series) {
    s.define("ai_firm_budget", "compute budget of the AI firm, as set at the end of the period for the next one (before demand shocks)", "USD per period", {"ai_firm"});
    s.define("ai_firm_deferred_budget", "unspent budget carried into the next period: budget_carryover_share x (budget + deferred budget - spending) of this period, less one period's decay", "USD", {"ai_firm"});
    s.define("ai_firm_compute_stock", "installed compute of the AI firm", "H100e", {"ai_firm"});
    s.define("ai_firm_efficiency", "algorithmic efficiency multiplier of the AI firm", "1", {"ai_firm"});
    s.define("ai_firm_capability", "capability of the AI firm: (compute x efficiency)^gamma", "1", {"ai_firm"});
    s.define("ai_firm_revenue", "AI revenue of the AI firm", "USD", {"ai_firm"});
    s.define("ai_firm_consumer_surplus", "the AI firm's consumer surplus in the accelerator market (log-sum over its price coefficient; a level up to a constant)", "USD per period", {"ai_firm"});
  }
  s.define("pricing_iterations", "fixed-point iterations of the Bertrand-Nash solver", "1", {});
  s.define("pricing_residual", "final max relative price change of the Bertrand-Nash solver", "1", {});
  s.reserve_periods(static_cast<std::size_t>(model.n_periods()));
}

void record_period(const Model& model, State& state) {
  Series& s = state.series;
  const int P = model.n_products(), C = model.n_countries();
  const Month month = model.calendar.month_of(state.period);
  s.time_labels.push_back(month.to_string());
  s.time_days.push_back(static_cast<double>(days_since_epoch(month)));

  Eigen::VectorXd price = state.price_usd;
  for (int j = 0; j < P; ++j)  // not on sale anywhere this period: no price
    if (!std::isfinite(price(j)) || state.available.row(j).sum() == 0) price(j) = std::numeric_limits<double>::quiet_NaN();
  put(s, "price", price);
  if (model.parameters.pricing == Pricing::by_destination) {
    Eigen::ArrayXXd by_destination = state.price_to_usd;
    for (int j = 0; j < P; ++j)
      for (int c = 0; c < C; ++c)  // not on sale there this period: no price
        if (!(state.available(j, c) > 0)) by_destination(j, c) = std::numeric_limits<double>::quiet_NaN();
    put(s, "price_by_destination", row_major(by_destination));
  }
  put(s, "marginal_cost", state.unit_cost_usd);
  put(s, "cumulative_output", state.cumulative_output);
  put(s, "capacity", state.capacity_units);
  put(s, "effective_capacity", state.effective_capacity);
  put(s, "capacity_shadow_cost", state.capacity_shadow_cost);
  put(s, "notional_demand", state.notional_demand);
  put(s, "units_sold", row_major(state.units_to));
  put(s, "hbm_bought", state.hbm_bought);
  if (!model.process_nodes.empty()) {
    const auto N = static_cast<Eigen::Index>(model.process_nodes.size());
    Eigen::VectorXd premium(N);
    for (Eigen::Index n = 0; n < N; ++n)
      premium(n) = state.node_wafer_price(n) - state.node_wafer_cost_usd(n);
    put(s, "wafer_capacity", state.node_capacity_wafers);
    put(s, "wafers_started", state.node_wafers_started);
    put(s, "wafer_shadow_price", premium);
    put(s, "defect_density", state.node_defect_density);
    put(s, "node_equipment_access", state.node_equipment_access);
    put(s, "node_capex", state.node_capex_usd);
    put(s, "node_capex_subsidy", state.node_capex_subsidy_usd);
    put(s, "die_yield", state.die_yield);
    put(s, "dies_made", state.dies_made);
    put(s, "die_stock", state.die_stock);
    put(s, "die_reserve", state.die_reserve);
  }
  if (!model.packaging_lines.empty()) {
    const auto L = static_cast<Eigen::Index>(model.packaging_lines.size());
    Eigen::VectorXd premium(L);
    for (Eigen::Index l = 0; l < L; ++l)
      premium(l) = state.packaging_price(l) - state.packaging_cost_usd(l);
    Eigen::VectorXd slots = state.packaging_slots;
    for (int j = 0; j < model.n_products(); ++j)
      if (model.products[j].packaging_line < 0) slots(j) = std::numeric_limits<double>::quiet_NaN();
    put(s, "packaging_capacity", state.packaging_capacity_wafers);
    put(s, "packaging_wafers_used", state.packaging_wafers_used);
    put(s, "packaging_shadow_price", premium);
    put(s, "packaging_capex", state.packaging_capex_usd);
    put(s, "packaging_capex_subsidy", state.packaging_capex_subsidy_usd);
    put(s, "packaging_slots", slots);
  }
  if (!model.tool_classes.empty()) {
    const int C = model.n_countries(), T = static_cast<int>(model.tool_classes.size());
    std::vector<double> access(static_cast<std::size_t>(C * T));
    for (int c = 0; c < C; ++c)
      for (int t = 0; t < T; ++t) access[static_cast<std::size_t>(c * T + t)] = tool_access(model, state, c, t);
    put(s, "tool_access", access);
  }
  if (!model.critical_minerals.empty()) {
    put(s, "mineral_denial", row_major(state.mineral_denial));
    put(s, "mineral_cost_factor", state.mineral_cost_factor);
  }
  put(s, "binding_input", state.binding_input);
  if (!model.hbm_buyers.empty()) {
    put(s, "hbm_buyer_bought", state.hbm_buyer_bought);
    put(s, "hbm_buyer_spend", state.hbm_buyer_spend_usd);
  }
  put(s, "hbm_stock", state.hbm_stock);
  Eigen::VectorXd hbm_spend = Eigen::VectorXd::Zero(model.n_firms());
  for (int j = 0; j < P; ++j) hbm_spend(model.products[j].owner) += state.hbm_spend_usd(j);
  put(s, "hbm_spend", hbm_spend);
  put(s, "available", row_major(state.available));
  put(s, "licence_fee", row_major(state.licence_fee));
  put(s, "licence_quota", row_major_caps(state.quota_units));
  put(s, "quota_rationing", row_major(state.quota_rationing));
  put(s, "licence_status", row_major(state.licence_status));
  put(s, "grey_markup", row_major(state.grey_markup));
  put(s, "smuggled_units", row_major(state.smuggled_units));
  put(s, "smuggling_bound", row_major_caps(state.smuggling_bound));
  put(s, "buy_side_cap", row_major_caps(state.buy_side_cap));
  put(s, "customs_friction_cost", state.customs_friction_usd);
  put(s, "antitrust_fines_paid", state.antitrust_fine_paid_usd);
  put(s, "antitrust_fine_income", state.antitrust_fine_income_usd);
  put(s, "revenue", row_major(state.revenue_usd));
  put(s, "firm_cash", state.firm_cash_usd);
  put(s, "fee_paid", state.fee_paid_usd);
  put(s, "rd_spend", state.rd_spend_usd);
  put(s, "rd_subsidy", state.rd_subsidy_usd);
  put(s, "capex", state.capex_usd);
  put(s, "capex_subsidy", state.capex_subsidy_usd);
  put(s, "knowledge", state.knowledge_usd);
  put(s, "installed_base", state.installed_base_h100e);
  put(s, "performance", state.performance_h100e);
  put(s, "ecosystem_appeal", ecosystem_appeals(model, state));
  put(s, "arrival_hazard", state.arrival_hazard);
  put(s, "generation", state.firm_generation.cast<double>().eval());
  put(s, "trade_value", row_major(state.trade_usd));
  put(s, "hbm_trade_value", row_major(state.hbm_trade_usd));
  put(s, "fee_income", state.fee_income_usd);
  put(s, "tariff_income", state.tariff_income_usd);
  put(s, "grey_market_margin", state.grey_margin_usd);
  Eigen::VectorXd subsidies = Eigen::VectorXd::Zero(C);
  for (int f = 0; f < model.n_firms(); ++f)
    subsidies(model.firms[f].home) += state.rd_subsidy_usd(f) + state.capex_subsidy_usd(f);
  put(s, "subsidies_paid", subsidies);
  put(s, "rd_subsidy_rate", state.rd_subsidy_rate);
  put(s, "mandate_shadow_tax", state.mandate_shadow_tax);
  put(s, "mandate_shortfall", state.mandate_shortfall);
  put(s, "government_score", state.government_score);
  put(s, "government_objective", row_major(state.government_objective));

  Eigen::VectorXd spend = Eigen::VectorXd::Zero(C), bought = Eigen::VectorXd::Zero(C), stock = Eigen::VectorXd::Zero(C);
  Eigen::VectorXd capability = Eigen::VectorXd::Zero(C), budget = Eigen::VectorXd::Zero(C), deferred = Eigen::VectorXd::Zero(C);
  Eigen::VectorXd revenue = Eigen::VectorXd::Zero(C), surplus = Eigen::VectorXd::Zero(C);
  for (int i = 0; i < model.n_ai_firms(); ++i) {
    const int c = model.ai_firms[i].country;
    spend(c) += state.buyer_spend_usd(i);
    bought(c) += state.buyer_compute_h100e(i);
    stock(c) += state.compute_stock_h100e(i);
    capability(c) += state.capability(i);
    budget(c) += state.budget_usd(i);
    deferred(c) += state.deferred_budget_usd(i);
    revenue(c) += state.ai_revenue_usd(i);
    surplus(c) += state.consumer_surplus_usd(i);
  }
  put(s, "capability", capability);
  put(s, "buyer_spend", spend);
  put(s, "compute_purchased", bought);
  put(s, "compute_stock", stock);

  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> ss_compute(static_cast<std::size_t>(kProductKinds * C), nan), ss_value(ss_compute), ss_units(ss_compute);
  for (int kind = 0; kind < kProductKinds; ++kind)
    for (int c = 0; c < C; ++c) {
      const auto k = static_cast<std::size_t>(kind * C + c);
      ss_compute[k] = self_sufficiency(model, state, static_cast<ProductKind>(kind), c, SelfSufficiencyMeasure::compute);
      ss_value[k] = self_sufficiency(model, state, static_cast<ProductKind>(kind), c, SelfSufficiencyMeasure::value);
      ss_units[k] = self_sufficiency(model, state, static_cast<ProductKind>(kind), c, SelfSufficiencyMeasure::units);
    }
  put(s, "self_sufficiency_compute", ss_compute);
  put(s, "self_sufficiency_value", ss_value);
  put(s, "self_sufficiency_units", ss_units);
  put(s, "ai_budget", budget);
  put(s, "ai_deferred_budget", deferred);
  put(s, "ai_revenue", revenue);
  put(s, "consumer_surplus", surplus);
  if (model.record_ai_firm_series) {
    put(s, "ai_firm_budget", state.budget_usd);
    put(s, "ai_firm_deferred_budget", state.deferred_budget_usd);
    put(s, "ai_firm_compute_stock", state.compute_stock_h100e);
    put(s, "ai_firm_efficiency", state.efficiency);
    put(s, "ai_firm_capability", state.capability);
    put(s, "ai_firm_revenue", state.ai_revenue_usd);
    put(s, "ai_firm_consumer_surplus", state.consumer_surplus_usd);
  }
  put(s, "pricing_iterations", static_cast<double>(state.pricing_iterations));
  put(s, "pricing_residual", state.pricing_residual);
}

}  // namespace chipsim

#pragma once
// The mutable State of one run: everything that changes from period to period.
// Fields are grouped by the pipeline stage that writes them (sim/pipeline.hpp).
// Shapes are given as (rows x cols) with the index names used throughout chipsim:
// P products, F firms, C countries, A AI firms.
#include <Eigen/Core>
#include <vector>

#include "sim/core/control_rule.hpp"
#include "sim/core/critical_minerals.hpp"
#include "sim/core/rng.hpp"
#include "sim/core/supply_tiers.hpp"
#include "sim/core/series.hpp"

namespace chipsim {

struct Model;

struct State {
  int period = 0;       // index of the current period
  RandomKey random;     // (seed, run) of this run

  // --- stage apply_policy: policy instruments in force ---
  std::vector<ControlRule> rules;   // active export-control rules, in order of adoption
  std::vector<SupplyRule> supply_rules;  // active equipment and foundry controls, in order of adoption
  std::vector<MineralRule> mineral_rules;  // active critical-mineral export controls, in order of adoption
  std::vector<double> tariff;       // ad-valorem tariff by Model::tariff_slot(importer, origin, kind)
  // Market access this period, resolved from the rules (P x C):
  Eigen::ArrayXXd available;        // 1 if product p may be sold to country c this period, else 0
  Eigen::ArrayXXd licence_fee;      // share of revenue owed to the licensing government
  Eigen::ArrayXXi fee_recipient;    // country index of the licensing government, -1 if none
  Eigen::ArrayXXd tariff_rate;      // ad-valorem tariff paid by buyers in c on product p
  // Licence decisions (P x C), persistent: +1 granted, -1 refused, 0 none; valid while the same
  // rule (id and epoch) decides and until licence_until (exclusive period index).
  Eigen::ArrayXXi licence_decision, licence_until, licence_epoch;
  std::vector<std::string> licence_rule;  // P x C, row-major: id of the rule the decision was made under
  int rule_epochs = 0;                    // counter for ControlRule::epoch
  Eigen::ArrayXXd licence_status;         // this period (P x C): +1 granted, -1 refused, 0 no licence decides the flow
  Eigen::ArrayXXd quota_units;            // licence volume quota this period (P x C), +inf = none
  Eigen::ArrayXXd quota_rationing;        // virtual-price wedge (utils) that holds a binding quota (P x C)
  Eigen::ArrayXXd quota_slope;            // last d ln(units)/d wedge seen on the flow (P x C), 0 = none yet

  // --- stage apply_events: shocks in force ---
  struct ActiveShock {
    enum class Target { capacity, budget } target;
    std::vector<int> indices;  // products (capacity) or AI firms (budget)
    double factor;
    int end_period;            // first period without the shock; -1 = permanent
  };
  std::vector<ActiveShock> active_shocks;
  Eigen::VectorXd capacity_factor;       // product of active supply shocks (P)
  Eigen::VectorXd budget_factor;         // product of active demand shocks (A)
  // Critical-mineral controls in force (sim/core/critical_minerals.hpp); capacity_factor includes
  // the products' mineral capacity factor.
  Eigen::ArrayXXd mineral_denial;        // share of the world's supply denied (minerals x C)
  Eigen::VectorXd mineral_cost_factor;   // multiplies the maker's own unit cost (P)
  Eigen::VectorXd node_mineral_cost_factor, node_mineral_capacity_factor;            // (N)
  Eigen::VectorXd packaging_mineral_cost_factor, packaging_mineral_capacity_factor;  // (L)
  std::vector<int> event_period;         // period in which each of Model::events happened, -1 = not (yet)
  std::vector<double> event_hazard;      // a stochastic event's hazard summed over its window so far

  // --- stage govern: instruments in force (C), mutable by events and reaction rules ---
  Eigen::VectorXd subsidy_budget_usd, rd_subsidy_rate, capex_subsidy_rate, procurement_mandate;
  Eigen::VectorXd enforcement, grey_market_markup;
  Eigen::VectorXd subsidy_budget_left;   // this period's budget not yet paid out, USD
  Eigen::VectorXd mandate_shadow_tax;    // utils off foreign products for the country's buyers, holding its mandate (C)
  Eigen::VectorXd mandate_shortfall;     // floor - domestic share where a mandate is missed (out of reach), else 0 (C)
  std::vector<char> tightened;           // reaction rule already fired (C)
  Eigen::ArrayXXd grey_markup;           // markup paid on leaked flows of (product, destination) (P x C)
  Eigen::ArrayXXd leak_shift;            // ln(leak share) of leaking HBM flows, 0 otherwise (P x C)
  // Smuggled accelerator flows (P x C): the issuer whose rule denies the flow (-1: not smuggled),
  // the bound on the flow (units per period; +inf until the market sets it, before its first
  // solve) and the units smuggled.
  // Buy-side instruments of importers (sim/policy/buy_side_events.cpp), (P x C): the complying
  // share of the importer's buyers that does not buy the product (guidance, procurement bans),
  // the cap on the flow that holds it (units per period, +inf where none; set by the market), and
  // the customs friction on the flow (share of the price, a deadweight cost).
  Eigen::ArrayXXd buy_side_share;
  Eigen::ArrayXXd buy_side_cap;
  Eigen::ArrayXXd customs_friction;
  Eigen::VectorXd customs_friction_usd;     // friction cost borne by the importer's buyers this period (C)
  Eigen::VectorXd antitrust_fine_paid_usd;  // antitrust fines paid this period (F)
  Eigen::VectorXd antitrust_fine_income_usd;  // antitrust fines received this period (C)
  Eigen::ArrayXXi smuggling_issuer;
  Eigen::ArrayXXd smuggling_bound;
  Eigen::ArrayXXd smuggling_load;   // smoothed share of its bound a smuggled flow used, the markup is priced on (P x C)
  Eigen::ArrayXXd smuggled_units;

  // --- launches (P): dated products on their date, innovation products on arrival ---
  std::vector<char> launched;
  Eigen::VectorXi launch_period;         // period from which it is on sale (-1: before the start)

  // --- stage plan_production (P; accelerator products) ---
  Eigen::VectorXd expected_demand;       // adaptive expectation of units sold per period
  std::vector<char> demand_observed;     // expectation has been set from observed sales
  Eigen::VectorXd planned_output;        // units the maker plans to produce this period
  Eigen::VectorXd hbm_demand;            // HBM stacks the maker wants to buy this period (incl. stockpiling)

  // --- stages advance_supply_tiers and clear_foundry_and_packaging (N nodes, L packaging lines, P) ---
  Eigen::VectorXd node_wafers_month;       // wafer starts per month open to the accelerators, the period's last month (N)
  Eigen::VectorXd node_capacity_wafers;    // wafers this period (N)
  Eigen::VectorXd node_equipment_access;   // the scarcest of its tool classes' access, [0, 1] (N)
  Eigen::VectorXd node_learning_wafers;    // cumulative equipment-weighted wafers, W (N)
  Eigen::VectorXd node_defect_density;     // D0 this period, per cm² (N)
  Eigen::VectorXd node_wafer_cost_usd;     // USD per wafer: the contract cost this period (wafer_cost_usd x mineral cost factor) (N)
  Eigen::VectorXd node_wafer_price;        // USD per wafer: clearing price (cost + shadow price of capacity; lines pay the cost) (N)
  Eigen::VectorXd node_wafers_started;     // wafers made this period (N)
  Eigen::VectorXd packaging_wafers_month;  // packaging wafers per month, the period's last month (L)
  Eigen::VectorXd packaging_capacity_wafers;  // this period (L)
  Eigen::VectorXd packaging_equipment_access; // (L)
  Eigen::VectorXd packaging_cost_usd;      // USD per packaging wafer: the contract cost this period (L)
  Eigen::VectorXd packaging_price;         // USD per packaging wafer: clearing price, as node_wafer_price (L)
  Eigen::VectorXd packaging_wafers_used;   // (L)
  Eigen::VectorXd die_stock;               // good logic dies held by the product line, incl. the reserve (P)
  Eigen::VectorXd die_reserve;             // part of die_stock that is the die bank (initial_die_stock left), drawn only when wafers fall short (P)
  Eigen::VectorXd dies_made;               // good dies made this period (P)
  Eigen::VectorXd die_yield;               // share of gross dies that are good this period (P; NaN without a node)
  Eigen::VectorXd packaging_slots;         // units the line may assemble this period (P; +inf without a packaging line)
  Eigen::VectorXd expected_margin_usd;     // adaptive expectation of the shadow margin per unit the line bids inputs with (P; NaN: none yet)
  Eigen::VectorXd input_cost_usd;          // dies and packaging per unit at contract prices, USD (P); in unit_cost_usd
  // Investment of nodes and packaging lines (agents/foundries.cpp invest_in_supply_tiers).
  struct PendingTierCapacity {
    int arrival_period;
    bool packaging;   // false: process node
    int index;        // into Model::process_nodes or packaging_lines
    double wafers_per_month;
  };
  std::vector<PendingTierCapacity> pending_tier_capacity;  // in decision order
  Eigen::VectorXd node_capex_usd, node_capex_subsidy_usd;            // this period (N)
  Eigen::VectorXd packaging_capex_usd, packaging_capex_subsidy_usd;  // this period (L)
  Eigen::VectorXd binding_input;           // which ceiling binds its output: 0 none, 1 line, 2 dies, 3 packaging, 4 HBM (P)

  // --- stage clear_hbm_market (P) ---
  // Prices and units of HBM products are stored in price_usd / units_to like accelerators'.
  Eigen::VectorXd hbm_bought;            // stacks bought this period, by accelerator product line
  Eigen::VectorXd hbm_spend_usd;         // paid for them incl. tariffs, USD
  Eigen::VectorXd hbm_buyer_bought;      // stacks bought by each outside HBM buyer this period (hbm_buyers)
  Eigen::VectorXd hbm_buyer_spend_usd;   // paid for them incl. tariffs, USD (hbm_buyers)
  Eigen::VectorXd hbm_unit_cost_usd;     // contract (reservation) price per stack of the latest purchase, incl. tariffs (persists); enters marginal cost
  Eigen::VectorXd hbm_stock;             // stacks held, by accelerator product line
  Eigen::VectorXd effective_capacity;    // min(capacity, good dies / dies per unit, packaging slots, usable HBM / stacks per unit), units
  std::vector<char> offered;             // product was on sale somewhere with capacity (last market)

  // --- stage clear_accelerator_market (P, P x C, A) ---
  Eigen::VectorXd price_usd;             // producer price per unit, USD (P); priced by destination: the
                                         // units-weighted mean over destinations (unweighted if none sold)
  Eigen::ArrayXXd price_to_usd;          // producer price per unit by destination, USD (P x C); uniform
                                         // pricing: price_usd in every column. Kept where not on sale (warm start)
  Eigen::VectorXd previous_price_usd;    // the period before's (P), for the warm start's trend
  Eigen::VectorXd previous_shadow_cost;  // the period before's capacity_shadow_cost (P)
  Eigen::VectorXd units_sold;            // units per period (P)
  Eigen::VectorXd capacity_shadow_cost;  // KKT multiplier of the output ceiling, USD per unit (P); 0 when slack
  Eigen::VectorXd notional_demand;       // units the product would sell at its price without its ceiling (P)
  Eigen::ArrayXXd units_to;              // units sold by product to destination country (P x C)
  Eigen::VectorXd buyer_spend_usd;       // paid by each AI firm incl. tariffs, USD (A)
  Eigen::VectorXd buyer_compute_h100e;   // compute bought by each AI firm this period, H100e (A)
  Eigen::VectorXd consumer_surplus_usd;  // each AI firm's consumer surplus (log-sum / alpha), USD per period (A); NaN for CES
  Eigen::VectorXd buyer_domestic_units;  // units bought from the AI firm's own country (A)
  int pricing_iterations = 0;            // fixed-point iterations used this period
  double pricing_residual = 0;           // final max relative price change

  // --- stage book_accounts (F x C, F, C) ---
  Eigen::ArrayXXd revenue_usd;         // gross revenue by firm and destination, USD (F x C)
  Eigen::VectorXd firm_cash_usd;       // cumulative cash of each firm, USD (F)
  Eigen::VectorXd fee_income_usd;      // licence fees received by each government this period (C)
  Eigen::VectorXd tariff_income_usd;   // tariffs received by each government this period (C)
  Eigen::ArrayXXd trade_usd;           // accelerator trade by origin and destination, USD (C x C)
  Eigen::ArrayXXd hbm_trade_usd;       // HBM trade by origin and destination, USD (C x C)
  Eigen::VectorXd hbm_used;            // stacks built into accelerators this period (P)

  // --- stage innovate_and_invest (P, F) ---
  Eigen::VectorXd capacity_units;      // production capacity, units per period (P)
  Eigen::VectorXd capacity_month_units;  // capacity in the period's last month, units per month: the exogenous path steps monthly (P)
  Eigen::VectorXd unit_cost_usd;       // marginal cost after learning, USD per unit (P)
  Eigen::VectorXd cumulative_output;   // units produced since the start (P)
  Eigen::VectorXd knowledge_usd;       // R&D knowledge stock (F)
  // Specs that a generation ladder's rung draws on arrival (Model values for every other product):
  Eigen::VectorXd performance_h100e;           // H100e per unit (P)
  std::vector<ProductAttributes> attributes;   // export-control attributes (P)
  Eigen::VectorXd die_area_mm2;                // mm² per logic die (P)
  Eigen::VectorXd installed_base_h100e;  // compute sold on the vendor's platform, depreciated, H100e (F; sim/core/ecosystem.hpp)
  Eigen::VectorXd rd_spend_usd;        // own R&D spend this period (F)
  Eigen::VectorXd rd_subsidy_usd;      // R&D subsidy received this period (F)
  Eigen::VectorXd capex_usd;           // capacity investment paid this period, net of subsidy (F)
  Eigen::VectorXd capex_subsidy_usd;   // capex subsidy received this period (F)
  Eigen::VectorXd arrival_hazard;      // hazard of the next generation this period (F)
  Eigen::VectorXd integrated_hazard;   // hazard summed since the firm's waiting generation became next (F)
  Eigen::VectorXi hazard_generation;   // the generation integrated_hazard is for (-2: none yet) (F)
  Eigen::VectorXi firm_generation;     // highest launched generation of the firm's products (F)
  struct PendingCapacity {
    int arrival_period;
    int product;
    double units;
  };
  std::vector<PendingCapacity> pending_capacity;  // investments under construction, in decision order
  Eigen::VectorXd fee_paid_usd;        // licence fees paid by each firm this period (F)
  Eigen::VectorXd grey_margin_usd;     // grey-market intermediaries' markup income by destination (C)

  // --- stage update_ai_firms (A) ---
  Eigen::VectorXd budget_usd;          // compute budget per period, USD (A)
  Eigen::VectorXd deferred_budget_usd; // unspent budget carried into this period, USD (A)
  Eigen::VectorXd budget_growth;       // current growth rate of the exogenous budget per month (A)
  Eigen::VectorXd compute_stock_h100e; // installed compute, H100-equivalents (A)
  Eigen::VectorXd efficiency;          // algorithmic efficiency multiplier (A)
  Eigen::VectorXd capability;          // (compute stock x efficiency)^gamma (A)
  Eigen::VectorXd base_budget_usd;     // exogenous budget of the next month not yet in a period, USD per month (A)
  Eigen::VectorXd ai_revenue_usd;      // AI revenue this period (A)
  Eigen::VectorXd government_score;    // objective of each government, a rate per year at this period (C)
  // Its weighted terms (C x kObjectiveTerms): profit, self-sufficiency, compute lead, income, -subsidies.
  static constexpr int kObjectiveTerms = 5;
  Eigen::ArrayXXd government_objective;

  // --- stage record_period ---
  Series series;                       // the recorded time series of the whole run
};

// The State at the start of a run (period 0, before any stage).
State initial_state(const Model& model, RandomKey random);

}  // namespace chipsim

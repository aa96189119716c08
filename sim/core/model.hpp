#pragma once
// The immutable Model: everything a run needs that does not change during the run —
// world (countries, firms, products, AI firms), parameters, demand model and dated events.
// Built once from a scenario file (sim/scenario/scenario.hpp) and then only read (const Model&).
// Units are in the comments; money is nominal US dollars, time is one period (month).
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/calendar.hpp"
#include "sim/core/control_rule.hpp"
#include "sim/core/critical_minerals.hpp"
#include "sim/core/error.hpp"
#include "sim/core/supply_tiers.hpp"

namespace chipsim {

class DemandModel;  // sim/demand/demand_model.hpp: the interface; Model only holds an instance

struct Model;
struct State;

enum class ProductKind : int { accelerator = 0, hbm = 1 };
inline constexpr int kProductKinds = 2;
const char* to_string(ProductKind k);

struct Country {
  std::string code;  // short label used everywhere in scenarios ("US", "CN", ...)
  std::string name;  // display name
};

struct Firm {
  std::string name;
  int home = -1;                 // index into Model::countries
  ProductKind kind = ProductKind::accelerator;  // what the firm makes
  double initial_cash_usd = 0;   // USD at the start of the run

  // Accelerator makers: production planning and HBM purchasing.
  double expectation_weight = 0.5;           // adaptive expectations: e <- e + w (sales - e)
  double planning_buffer = 0.25;             // plans (and buys HBM for) up to e (1 + buffer), within capacity
  double hbm_home_bias = 0;                 // accelerator makers: share by which a domestic HBM stack's bid is raised
  double hbm_markup = 0;                    // HBM makers: reservation (contract) price = unit cost x (1 + markup)
  double hbm_stockpile_months = 0;           // months of HBM need bought ahead of an announced HBM ban

  // Learning by doing (Wright's law) on each product: c = c0 (Q / Q0)^(-b), b = -log2(1 - rate).
  double learning_rate = 0;                  // unit-cost decline per doubling of cumulative output

  // R&D and innovation: K <- (1 - depreciation) K + rd_share x revenue + R&D subsidy; the next
  // generation arrives with hazard lambda = lambda0 (K / K_ref)^eta (1 + sigma gap) access.
  double rd_share = 0;                       // R&D spend as a share of revenue
  double knowledge_depreciation = 0;         // per period
  double initial_knowledge_usd = 0;
  double knowledge_reference_usd = 1e9;      // K_ref
  double arrival_hazard = 0;                 // lambda0, per period
  double knowledge_elasticity = 1;           // eta
  double catch_up = 0;                       // sigma, per generation behind the world frontier
  double controls_access_penalty = 0;        // access = 1 - penalty x (1 - equipment access of its nodes)

  // Capacity investment (adaptive expectations; new capacity arrives after the build lag).
  double capex_usd_per_unit = 0;             // USD per unit/period of new capacity; 0 = no investment
  int build_lag_periods = 0;
  double invest_utilisation = 0.9;           // invest when expected demand / capacity exceeds this ...
  double invest_margin = 0.3;                // ... and (price - cost) / price exceeds this
  double invest_step = 0.1;                  // capacity added per decision, share of current capacity

  // Design-around: offer a compliant variant just under a rule's thresholds (the H20 pattern).
  bool design_around = false;
  double design_around_efficiency = 0.9;     // extra performance penalty of the variant
  int design_around_lag_periods = 3;         // periods from the rule to the variant's launch

  // Exposure to critical minerals (sim/core/critical_minerals.hpp): one share per
  // Model::critical_minerals entry, [0, 1]; empty = none. Applies to its products' own unit cost
  // and capacity where they are made.
  std::vector<double> mineral_exposure;

  // Accelerator makers: installed base of compute on its platform at the start, H100e (B0 of
  // sim/core/ecosystem.hpp).
  double initial_installed_base_h100e = 0;
};

struct Product {
  std::string name;
  ProductKind kind = ProductKind::accelerator;
  int owner = -1;                // index into Model::firms
  int origin = -1;               // export jurisdiction and tariff origin (default: owner's home)
  int fab = -1;                  // country where it is manufactured (supply shocks; default: origin)
  Month launch;                  // first month the product can be sold
  std::optional<Month> end;      // last month it is sold (discontinued), if any
  std::vector<int> sold_to;      // destinations the maker offers it to (a China-only SKU); empty = all
  ProductAttributes attributes;  // tested by export-control rules
  double performance_h100e = 0;  // AI compute per unit, H100-equivalents (TPP / reference TPP x AI efficiency)
  double appeal = 0;             // product-specific mean utility (ecosystem, software), utils
  double marginal_cost_usd = 0;  // USD per unit
  double capacity_units = 0;     // units per period at launch
  double capacity_growth_per_month = 0;  // growth of the exogenous capacity path per month (share), stepped monthly
  double capacity_max = 0;       // ceiling of the exogenous capacity path, units per period (0: none)

  // HBM: for an HBM product, `hbm_generation` is its generation (index into
  // Parameters::hbm_generations); for an accelerator, the lowest generation it can use.
  int hbm_generation = -1;
  int generation = 0;            // accelerators: position on the technology ladder (frontier = max launched)
  bool launch_on_arrival = false;// launches when its owner's innovation draw reaches `generation`
  double learning_reference_units = 0;  // Q0 of Wright's law (default: one period of launch capacity)
  int variant_of = -1;           // design-around variant: the product it derives from
  // A rung of a generation ladder (Model::generation_ladders): its specs are drawn when it arrives
  // (State::performance_h100e, attributes, die_area_mm2); -1 = not a rung.
  int ladder = -1;
  int predecessor = -1;          // rungs: the product it succeeds (the ladder's template or the rung before)
  // A design-around variant of a stochastic rule is on sale launch_lag periods after that
  // event (index in Model::events) happens, never if it does not; -1 = not tied to an event.
  int launch_follows_event = -1;
  int launch_lag = 0;
  double hbm_stacks = 0;         // accelerators: HBM stacks per unit (k); 0 = no HBM (GDDR, LPDDR)
  double initial_hbm_stock = 0;  // accelerators: stacks held at the start
  // Upstream tiers (sim/core/supply_tiers.hpp); -1 / 0 = not modelled for this product.
  int process_node = -1;         // index into Model::process_nodes: the node its logic dies are made on
  double die_area_mm2 = 0;       // mm² per logic die
  double dies_per_unit = 1;      // logic dies per unit
  double initial_die_stock = 0;  // good dies in stock at the start (made before a control: a die bank)
  int packaging_line = -1;       // index into Model::packaging_lines (accelerators with HBM)
  double packages_per_packaging_wafer = 0;  // units assembled per packaging (interposer) wafer
};

// A ladder of generations (docs/MODEL_NOTES.md §7, "Generation ladder"): after its template (a
// launch_on_arrival product) a firm's further generations are rungs copied from the template at
// load time, each arriving by the same innovation hazard; on arrival its specs are drawn
// relative to the world frontier and its predecessor (agents/chipmakers.cpp).
struct GenerationLadder {
  int firm = -1;
  int template_product = -1;        // index into Model::products
  int rungs = 0;                    // successors after the template
  // A rung's performance (H100e per unit) = the world frontier's at its arrival (the most
  // performant accelerator on sale) x u, u uniform in [performance_ratio_min, _max], and at least
  // its predecessor's; TPP and memory bandwidth scale with it (the template's AI efficiency).
  double performance_ratio_min = 0.5, performance_ratio_max = 0.8;
  // Its die area = the predecessor's x u, u uniform in [die_area_ratio_min, _max].
  double die_area_ratio_min = 1.0, die_area_ratio_max = 1.0;
  // Share of the predecessor's cumulative output it starts its own learning curve with, when both
  // are made on the same process node (learning spills over to successors on the node).
  double learning_spillover = 0;
};

// One government per country that has instruments (docs/SPEC.md §3, Governments).
struct Government {
  int country = -1;
  double subsidy_budget_usd = 0;     // per period, for R&D and capex subsidies to domestic firms
  double rd_subsidy_rate = 0;        // share of domestic firms' R&D spend matched
  double capex_subsidy_rate = 0;     // share of domestic firms' capex paid
  double procurement_mandate = 0;    // minimum domestic share (by `measure`) of its AI firms' accelerator purchases
  // How its mandate, reaction rule and score measure self-sufficiency: 0 compute (H100e), 1 value,
  // 2 units (SelfSufficiencyMeasure, sim/core/self_sufficiency.hpp).
  int self_sufficiency_measure = 0;
  double enforcement = 1;            // share of flows its rules deny that is actually stopped
  double grey_market_markup = 0.5;   // price markup of leaked (grey-market) flows, at no volume
  // Smuggling of accelerators its rules deny (sim/markets/accelerator_market.cpp): the markup is
  // grey_market_markup + grey_market_markup_slope x the share of its bound the flow used last
  // period (sim/policy/policy.cpp); the bound is
  // (1 - enforcement) x the flow the ban removed, or smuggling_capacity_units (per period, per
  // product and destination; 0: none) if smaller; a share of each period's shipments, drawn
  // uniformly in [0, 2 x smuggling_seizure_rate], is seized. smuggling_booked_in: the country in
  // whose market the maker books smuggled sales (sales through a third country), -1: the
  // destination itself.
  double grey_market_markup_slope = 1.0;
  // The load the markup is priced on is smoothed: load <- load + adjustment x (last period's share
  // of the bound used - load), with this weight per month (compounded over a period's months). 1:
  // last period's share as is; below 1 the networks' price follows the load gradually, which
  // damps the cobweb between a full bound, a high markup and an unused bound (MODEL_NOTES §2).
  double grey_market_markup_adjustment = 1.0;
  double smuggling_capacity_units = 0;
  double smuggling_seizure_rate = 0;
  int smuggling_booked_in = -1;
  // Objective, a rate per year at each period (agents/governments.hpp): w_profit x domestic
  // firms' operating profit (USD bn a year: revenue - licence fees - production and HBM cost) +
  // w_self_sufficiency x accelerator self-sufficiency (a level, by `measure`) + w_compute x
  // ln(own compute / rival's compute) (a level) + w_income x licence-fee and tariff income (USD bn
  // a year) - w_subsidy x subsidies paid (USD bn a year). Flows are annualised, so the score does
  // not depend on the period length; fees are counted once (net of the firms' profit, in the
  // issuer's income). discount_rate: per year, for sums of scores over time (the deal finder).
  double w_profit = 0, w_self_sufficiency = 0, w_compute = 0, w_income = 0, w_subsidy = 0;
  double discount_rate = 0.05;
  int rival = -1;                    // country whose compute stock is compared
  // Reaction rules (optional):
  double target_self_sufficiency = 0;  // raise rd_subsidy_rate by `subsidy_step` per period while below
  double subsidy_step = 0;
  double max_rd_subsidy_rate = 0;
  double compute_gap_trigger = 0;      // tighten own rules when rival compute / own compute exceeds this
  double tighten_factor = 1;           // thresholds of its rules are multiplied by this (once per trigger)
};

// A buyer of HBM outside the modelled accelerator makers (custom accelerators: TPU, Trainium,
// MTIA ...): an exogenous need that grows, bid at a fixed value per stack (MODEL_NOTES §4).
struct HbmBuyer {
  std::string name;
  int country = -1;             // destination of its HBM (controls, tariffs apply as for a line made there)
  int hbm_generation = 0;       // lowest HBM generation it can use (index into Parameters::hbm_generations)
  // The need is stated per month and stepped month by month (a period's need is the sum of its
  // months): need in month n = min(stacks_per_month (1 + growth_per_month)^n, max_stacks_per_month).
  double stacks_per_month = 0;      // need in the first month, stacks per month
  double growth_per_month = 0;      // growth of the need per month (share)
  double max_stacks_per_month = 0;  // ceiling of the need, stacks per month (0: none)
  double value_per_stack_usd = 0;  // its bid: value of one more stack, USD
};

struct AiFirm {
  std::string name;
  int country = -1;                       // index into Model::countries
  // The exogenous budget path is stated per month and stepped month by month (monthly_path.hpp):
  // a period's budget is the sum of its months.
  double budget_usd_per_month = 0;            // compute budget in the first month, USD per month
  double budget_growth_per_month = 0;         // growth of the budget per month at the start (share)
  double budget_growth_decay_per_month = 0;   // the growth rate shrinks by this share each month
  double price_sensitivity_per_usd = 0;   // logit price coefficient alpha, utils per USD
  double home_bias = 0;                   // extra utility of domestically-made products, utils
  double compute_depreciation = 0;        // share of compute stock retired per period
  double initial_compute_h100e = 0;       // compute stock at the start, H100-equivalents
  double algorithmic_efficiency = 1;      // effective compute per H100e at the start
  double efficiency_growth = 0;           // growth of algorithmic efficiency per period
  double capability_exponent = 0.5;       // capability = (effective compute)^gamma
  double revenue_per_capability_usd = 0;  // AI revenue per unit of capability per period
  double reinvestment_share = 0;          // share of AI revenue added to the compute budget
};

// How accelerator makers price across destination countries (MODEL_NOTES, "Pricing by
// destination"): one world price per product, or one price per (product, destination)
// (third-degree price discrimination, the product's ceiling shared by its destinations).
enum class Pricing { uniform, by_destination };

// Numerical and economic parameters that are not attached to one agent.
struct Parameters {
  Pricing pricing = Pricing::uniform;
  double reference_unit_price_usd = 20000;  // potential purchase decisions of a buyer = budget / this price
  double utility_per_log_performance = 1.0; // utils per log(H100-equivalents per unit)
  double performance_reference_tpp = 15832; // TPP of one H100-equivalent (H100 SXM)
  double compute_denominated_demand = 0;    // theta in [0,1]: a purchase decision buys performance^-theta units
  double pricing_tolerance = 1e-9;          // relative price change at which Bertrand-Nash stops
  int pricing_max_iterations = 2000;
  int pricing_acceleration_memory = 5;    // Anderson acceleration of the pricing fixed point: past steps used (0 = plain)
  std::vector<std::string> hbm_generations;  // HBM generations, oldest first ("HBM2", "HBM2E", ...)
  double invariant_tolerance = 1e-9;        // relative tolerance of conservation checks
  // Demand that waits (MODEL_NOTES §5, "Deferred budgets"): share of an AI firm's unspent budget
  // that stays available next period, and the share of a deferred budget lost per year.
  double budget_carryover_share = 0;        // [0, 1]
  double budget_carryover_decay_per_year = 0;  // [0, 1], per year (converted to the period length)
  // Product life cycle: mean utility lost per generation an accelerator lies behind the world
  // frontier (the highest generation launched), utils per generation.
  double appeal_decay_per_generation = 0;
  // Software ecosystem (sim/core/ecosystem.hpp): a vendor's accelerators gain
  // w [ln(1 + B/R) - ln(1 + B0/R)] utils as its installed base B (H100e) grows from B0; the base
  // is its accelerators' compute sold, depreciated at `ecosystem_depreciation_per_month`.
  double ecosystem_utils_per_log_base = 0;      // w, utils per log of the base; 0 = off
  double ecosystem_reference_h100e = 1e5;       // R, H100e: the base at which the effect starts to flatten
  double ecosystem_depreciation_per_month = 0;  // share of the installed base retired per month
  // Procurement mandates: the largest shadow tax on foreign purchases, utils (a floor that needs
  // more is out of reach and stays unmet at this tax).
  double mandate_max_shadow_tax_utils = 30;
};

// A scheduled change to the policy state (docs/SPEC.md §6). Actions are registered by name
// (sim/scenario/event_registry.hpp); each lives in its own source file.
class EventAction {
 public:
  virtual ~EventAction() = default;
  virtual void apply(const Model& model, State& state) const = 0;
  virtual std::string describe() const = 0;  // one line for logs and `chipsim show`
  virtual const ControlRule* added_rule() const { return nullptr; }  // add_control only
};

struct Event {
  Month date;
  int period = 0;              // period index in which it takes effect
  std::string action;          // registered action name
  std::shared_ptr<const EventAction> effect;
  SourceLocation where;        // where it was written in the scenario
  // Stochastic events happen at most once, in the first period of [period, until_period] whose
  // draw falls below probability (per period); scheduled events have probability < 0.
  double probability = -1;
  int until_period = -1;
  // Events generated from a stochastic one (allies' adoptions of its rule) happen follow_lag
  // periods after it does, and never if it does not: index in Model::events, -1 = none.
  int follows = -1;
  int follow_lag = 0;
};

// Initial ad-valorem tariff, by (importer, origin, product kind).
struct Tariff {
  int importer = -1;
  int origin = -1;
  ProductKind kind = ProductKind::accelerator;
  double rate = 0;  // share of the price, [0, 5]
};

struct Model {
  std::string name;
  std::string description;
  std::string scenario_file;   // path it was loaded from
  std::string scenario_text;   // the resolved scenario, verbatim (provenance)
  std::string demand_model = "logit";
  std::shared_ptr<const DemandModel> demand;  // instance of the named model
  std::uint64_t default_seed = 0;
  // Record the per-AI-firm series (ai_firm_* variables, AI firms x time); otherwise only their
  // country aggregates. Off unless asked for: at 10^6 AI firms they cost ~48 MB per period.
  bool record_ai_firm_series = false;
  Calendar calendar;
  Parameters parameters;

  std::vector<Country> countries;
  std::vector<Firm> firms;
  std::vector<Product> products;
  std::vector<AiFirm> ai_firms;
  std::vector<HbmBuyer> hbm_buyers;  // HBM demand outside the modelled accelerators ([[hbm_buyer]])
  std::vector<ProcessNode> process_nodes;    // [[process_node]]
  std::vector<PackagingLine> packaging_lines;// [[packaging_line]]
  std::vector<std::string> tool_classes;     // tool classes named by suppliers, nodes and rules
  std::vector<EquipmentSupplier> equipment_suppliers;  // [[equipment_supplier]]
  std::vector<CriticalMineral> critical_minerals;      // [[critical_mineral]]
  std::vector<GenerationLadder> generation_ladders;    // [[generation_ladder]]
  std::vector<Government> governments;  // at most one per country
  std::vector<Tariff> initial_tariffs;
  std::vector<ControlRule> initial_rules;
  std::array<std::vector<int>, kProductKinds> products_of_kind;  // product indices by ProductKind
  std::vector<Event> events;   // sorted by period, stable in file order

  // Rules announced before they take effect (add_control with `announced`): firms may buy
  // ahead of them (HBM stockpiles).
  struct AnnouncedRule {
    int announced_period = 0;
    int effective_period = 0;
    ControlRule rule;
  };
  std::vector<AnnouncedRule> announced_rules;

  int n_countries() const { return static_cast<int>(countries.size()); }
  int n_firms() const { return static_cast<int>(firms.size()); }
  int n_products() const { return static_cast<int>(products.size()); }
  int n_ai_firms() const { return static_cast<int>(ai_firms.size()); }
  const Government* government_of(int country) const {
    for (const auto& g : governments)
      if (g.country == country) return &g;
    return nullptr;
  }
  int n_periods() const { return calendar.n_periods(); }
  const std::vector<int>& products_of(ProductKind k) const { return products_of_kind[static_cast<int>(k)]; }

  std::optional<int> country_index(std::string_view code) const;
  std::optional<int> firm_index(std::string_view name) const;
  std::optional<int> product_index(std::string_view name) const;
  // Index into a flat (importer, origin, kind) tariff table.
  int tariff_slot(int importer, int origin, ProductKind kind) const {
    return (importer * n_countries() + origin) * kProductKinds + static_cast<int>(kind);
  }
};

}  // namespace chipsim

#pragma once
// The immutable Model: everything a run needs that does not change during the run —
// world (countries, firms, products, AI firms), parameters, demand model and dated events.
// Built once from a scenario file (sim/scenario.hpp) and then only read (const Model&).
// Units are in the comments; money is nominal US dollars, time is one period (month).
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/calendar.hpp"
#include "sim/control_rule.hpp"
#include "sim/demand_model.hpp"
#include "sim/error.hpp"

namespace chipsim {

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
  double hbm_price_sensitivity_per_usd = 0;  // logit price coefficient for HBM stacks, utils per USD
  double hbm_stockpile_months = 0;           // months of HBM need bought ahead of an announced HBM ban
};

struct Product {
  std::string name;
  ProductKind kind = ProductKind::accelerator;
  int owner = -1;                // index into Model::firms
  int origin = -1;               // export jurisdiction and tariff origin (default: owner's home)
  Month launch;                  // first month the product can be sold
  std::optional<Month> end;      // last month it is sold (discontinued), if any
  std::vector<int> sold_to;      // destinations the maker offers it to (a China-only SKU); empty = all
  ProductAttributes attributes;  // tested by export-control rules
  double performance_h100e = 0;  // AI compute per unit, H100-equivalents (TPP / reference TPP x AI efficiency)
  double appeal = 0;             // product-specific mean utility (ecosystem, software), utils
  double marginal_cost_usd = 0;  // USD per unit
  double capacity_units = 0;     // units per period at launch
  double capacity_growth = 0;    // capacity growth per period (share), exogenous capacity path
  double capacity_max = 0;       // ceiling of the exogenous capacity path, units per period (0: none)

  // HBM: for an HBM product, `hbm_generation` is its generation (index into
  // Parameters::hbm_generations); for an accelerator, the lowest generation it can use.
  int hbm_generation = -1;
  double hbm_stacks = 0;         // accelerators: HBM stacks per unit (k); 0 = no HBM (GDDR, LPDDR)
  double initial_hbm_stock = 0;  // accelerators: stacks held at the start
};

struct AiFirm {
  std::string name;
  int country = -1;                       // index into Model::countries
  double budget_usd = 0;                  // compute budget per period at the start, USD
  double budget_growth = 0;               // growth of the budget per period at the start (share)
  double budget_growth_decay = 0;         // the growth rate shrinks by this share each period
  double price_sensitivity_per_usd = 0;   // logit price coefficient alpha, utils per USD
  double home_bias = 0;                   // extra utility of domestically-made products, utils
  double compute_depreciation = 0;        // share of compute stock retired per period
  double initial_compute_h100e = 0;       // compute stock at the start, H100-equivalents
};

// Numerical and economic parameters that are not attached to one agent.
struct Parameters {
  double reference_unit_price_usd = 20000;  // potential purchase decisions of a buyer = budget / this price
  double utility_per_log_performance = 1.0; // utils per log(H100-equivalents per unit)
  double performance_reference_tpp = 15832; // TPP of one H100-equivalent (H100 SXM)
  double compute_denominated_demand = 0;    // theta in [0,1]: a purchase decision buys performance^-theta units
  double pricing_tolerance = 1e-9;          // relative price change at which Bertrand-Nash stops
  int pricing_max_iterations = 2000;
  std::vector<std::string> hbm_generations;  // HBM generations, oldest first ("HBM2", "HBM2E", ...)
  double invariant_tolerance = 1e-9;        // relative tolerance of conservation checks
};

// A scheduled change to the policy state (MODEL.md §6). Actions are registered by name
// (sim/event_registry.hpp); each lives in its own source file.
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
  Calendar calendar;
  Parameters parameters;

  std::vector<Country> countries;
  std::vector<Firm> firms;
  std::vector<Product> products;
  std::vector<AiFirm> ai_firms;
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

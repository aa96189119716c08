#pragma once
// The upstream tiers behind an accelerator (docs/MODEL_NOTES.md §3b): foundry process nodes that
// make its logic dies, advanced-packaging lines that assemble it with its HBM, and the
// chip-making equipment that lets a node add capacity and learn, with the export controls on
// equipment and on foundry service. The types are read from [[process_node]],
// [[packaging_line]], [[equipment_supplier]] and the add_equipment_control /
// add_foundry_control events; the formulas below are shared by the foundries' dynamics
// (agents/foundries.cpp) and the wafer and packaging markets (sim/markets/foundry_market.cpp).
#include <limits>
#include <string>
#include <vector>

namespace chipsim {

struct Model;
struct State;

// Capacity investment of a node or packaging line (agents/foundries.cpp invest_in_supply_tiers;
// docs/MODEL_NOTES.md §3b "Investment"): while the wafers used reach `utilisation_trigger` of
// capacity, it puts `reinvestment_share` of the period's wafer revenue (wafers x clearing price:
// the scarcity premium is the rent customers pay in prepayments and long-term agreements) plus
// its government's capex subsidy into capacity at `capex_usd_per_wafer_month`, scaled by its
// equipment access (denied tools make capacity dearer); it arrives after the build lag.
struct TierInvestment {
  double capex_usd_per_wafer_month = 0;  // USD per wafer per month of capacity; 0 = the exogenous path only
  double reinvestment_share = 0;         // share of the period's wafer revenue, [0, 5]
  double utilisation_trigger = 0.9;      // [0, 1]
  int build_lag_periods = 0;
};

// A foundry's process node. Wafers are those open to the modelled accelerators (the node's other
// customers, phones and PCs, are outside the model).
struct ProcessNode {
  std::string name;
  std::string foundry;                 // display label of the foundry (TSMC, SMIC, ...)
  int country = -1;                    // where the fab is: its equipment access, the rules that bind it
  double feature_nm = 0;               // nominal feature size, nm (foundry rules test it)
  double wafers_per_month = 0;         // wafer starts per month at the start
  double capacity_growth_per_month = 0;// growth per month at full equipment access (share)
  double capacity_max_wafers_per_month = 0;  // ceiling of the path (0: none)
  double wafer_cost_usd = 0;           // USD per wafer: the foundry's price when wafers are not scarce
  double wafer_diameter_mm = 300;      // mm
  double defect_density_per_cm2 = 0;   // D0 at the start, defects per cm²
  double defect_density_floor_per_cm2 = 0;  // mature D0, defects per cm²
  double learning_rate = 0;            // share by which D0 - floor falls per doubling of cumulative wafers
  double learning_reference_wafers = 1;// cumulative (equipment-weighted) wafers at the start, W0
  std::vector<int> tools;              // tool classes it needs (indices into Model::tool_classes)
  std::vector<double> mineral_exposure;// per critical mineral (Model::critical_minerals), [0, 1]; empty = none
  TierInvestment investment;
};

// An advanced-packaging line (CoWoS-class): interposer wafers per month; a product packs
// `packages_per_packaging_wafer` units on one.
struct PackagingLine {
  std::string name;
  int country = -1;
  double wafers_per_month = 0;          // at the start
  double capacity_growth_per_month = 0; // at full equipment access (share)
  double capacity_max_wafers_per_month = 0;
  double cost_usd_per_wafer = 0;        // USD per packaging wafer when slots are not scarce
  std::vector<int> tools;               // tool classes it needs to add capacity
  std::vector<double> mineral_exposure; // per critical mineral, [0, 1]; empty = none
  TierInvestment investment;
};

// A country's share of the world's supply of one tool class (shares of a class sum to <= 1;
// the rest comes from uncontrolled makers).
struct EquipmentSupplier {
  int country = -1;
  int tool = -1;     // index into Model::tool_classes
  double share = 0;  // [0, 1]
};

// An export control upstream of the chips. Equipment: the issuer (and the other `jurisdictions`
// under a foreign direct product rule) may not sell `tools` to fabs in `destinations`.
// Foundry: fabs (and, with `packaging`, packaging lines) located in `jurisdictions` may not make
// dies of at most `max_feature_nm` for `customers` (firms) or for firms based in `destinations`.
struct SupplyRule {
  enum class Kind { equipment, foundry };
  std::string id;
  Kind kind = Kind::equipment;
  int issuer = -1;
  std::vector<int> jurisdictions;  // supplier or fab countries covered (default {issuer})
  std::vector<int> destinations;   // country indices
  std::vector<int> customers;      // firm indices (foundry rules)
  std::vector<int> tools;          // tool classes (equipment rules)
  double max_feature_nm = std::numeric_limits<double>::infinity();
  bool packaging = false;
  // Equipment rules: share of the denied supply actually stopped, [0, 1]; < 0 = the issuer's
  // government's `enforcement` (1 without a government). Below 1: licences still granted, tools
  // bought ahead of the rule, servicing by third parties.
  double enforcement = -1;
  std::string source;
};

// Gross dies per wafer of a die of `area_mm2` on a wafer of `diameter_mm`: the wafer's area over
// the die's, less the partial dies lost on the edge,
//     DPW = pi (d/2)^2 / A - pi d / sqrt(2 A)
// (de Vries 2005, "Investigation of gross die per wafer formulas", IEEE Trans. Semicond. Manuf.
// 18(1); H100: 814 mm² on 300 mm gives 63, the figure in calibration/data/supply_chain.csv).
// 0 when the die does not fit. Throws std::invalid_argument on a non-positive area or diameter.
double gross_dies_per_wafer(double area_mm2, double diameter_mm);

// Die yield of a die of `area_mm2` at defect density `d0_per_cm2` (Poisson model):
//     Y = exp(-A D0),  A in cm²   (Murphy 1964; Cunningham 1990, IEEE Trans. Semicond. Manuf. 3(2)).
double poisson_yield(double area_mm2, double d0_per_cm2);

// The node's defect density after `wafers` cumulative equipment-weighted wafers (learning by
// doing at the process level, shared by every product made on the node; Wright's law on the
// excess over the floor):
//     D0(W) = floor + (D0_start - floor) (W / W0)^(-b),  b = -log2(1 - learning_rate),  W >= W0.
double node_defect_density(const ProcessNode& node, double wafers);

// Share of the world's supply of tool class `tool` that fabs in `country` can buy under the
// equipment rules in force: 1 - sum over suppliers s of share_s x [a rule in force covering s's
// country denies `tool` to `country`] x the rule's enforcement (the largest, if several). A fab's own country's
// makers are never denied. In [0, 1].
double tool_access(const Model& model, const State& state, int country, int tool);

// A node's (or packaging line's) equipment access: the scarcest of the tool classes it needs
// (a fab needs every class: Leontief in tools); 1 with none listed.
double equipment_access(const Model& model, const State& state, int country, const std::vector<int>& tools);

// Is firm `customer` barred from fabs (packaging lines, if `packaging`) in `country` for a node
// of `feature_nm` by a foundry rule in force?
bool foundry_denied(const State& state, int customer, int customer_home, int country, double feature_nm, bool packaging);

}  // namespace chipsim

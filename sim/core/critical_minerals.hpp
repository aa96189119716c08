#pragma once
// China's counter-lever upstream of the chips (docs/MODEL_NOTES.md §3c): export controls on
// critical minerals (gallium, germanium, antimony, graphite, rare earths) as cost and capacity
// shocks on the firms, foundry nodes and packaging lines that depend on them. The types are read
// from [[critical_mineral]], the `mineral_exposure` tables of [[firm]], [[process_node]] and
// [[packaging_line]], and the add_mineral_control / remove_mineral_control events
// (sim/policy/mineral_events.cpp).
//
// Assumption (stated in MODEL_NOTES §3c): a control denies the destination the producer's share of
// the world's refined supply, scaled by its enforcement; an entity with exposure e to the mineral
// sees its unit cost rise by e x cost_increase x denial and keeps 1 - e x capacity_loss x denial
// of its capacity. cost_increase and capacity_loss are the effects on a fully exposed entity of a
// complete denial of the world's supply (substitutes, recycling and stocks are in them).
#include <string>
#include <vector>

namespace chipsim {

struct Model;
struct State;

struct CriticalMineral {
  std::string name;            // "gallium", ...
  int producer = -1;           // the country whose controls deny it (index into Model::countries)
  double producer_share = 0;   // its share of the world's refined supply, [0, 1]
  double cost_increase = 0;    // unit-cost increase of a fully exposed entity at a complete denial, share, [0, 5]
  double capacity_loss = 0;    // capacity lost by a fully exposed entity at a complete denial, share, [0, 1]
  std::string source;
};

// A mineral export control in force: the issuer (a mineral's producer) denies `minerals` to
// `destinations`, enforced at `enforcement` (share of the denied supply actually stopped).
struct MineralRule {
  std::string id;
  int issuer = -1;
  std::vector<int> minerals;      // indices into Model::critical_minerals
  std::vector<int> destinations;  // country indices
  double enforcement = 1;         // [0, 1]
};

// The share of the world's supply of `mineral` denied to `country` by the rules in force: the
// producer's share x the largest enforcement among the rules covering (mineral, country). [0, 1].
double mineral_denial(const Model& model, const State& state, int mineral, int country);

// The cost and capacity factors of an entity in `country` with `exposure` (one share per mineral,
// Model::critical_minerals order; empty = none):
//   cost     = 1 + sum_m e_m cost_increase_m denial_m
//   capacity = prod_m max(0, 1 - e_m capacity_loss_m denial_m)
struct MineralShock {
  double cost_factor = 1;
  double capacity_factor = 1;
};
MineralShock mineral_shock(const Model& model, const State& state, const std::vector<double>& exposure, int country);

// Fills the period's mineral factors (State: mineral_denial, mineral_cost_factor of products,
// node_/packaging_mineral_cost_factor and _capacity_factor) and scales each product's
// capacity_factor; called once per period after the events (sim/policy/policy.cpp).
void apply_mineral_controls(const Model& model, State& state);

}  // namespace chipsim

#pragma once
// Reads the upstream tiers of a scenario (sim/core/supply_tiers.hpp; keys in docs/SCENARIOS.md
// "Supply chain"): [[equipment_supplier]], [[process_node]], [[packaging_line]], and a product's
// process_node / packaging_line keys. Errors are ScenarioError at the key's file:line:column.
#include "sim/core/model.hpp"
#include "sim/scenario/table_reader.hpp"

namespace chipsim {

// [[equipment_supplier]], [[process_node]], [[packaging_line]]; after the countries, before the
// products. Tool classes are named by the suppliers; a node, line or rule naming a class no
// supplier makes is an error (a typo would otherwise be a tool nobody can deny).
void read_supply_tiers(TableReader& root, Model& m);

// A product's keys for the tiers: process_node, dies_per_unit, initial_die_stock,
// packaging_line, packages_per_packaging_wafer (die_area_mm2 is read with the product's specs
// and passed here). Accelerators only; an HBM product may name a process_node (its capacity
// growth then needs that node's equipment).
void read_product_supply(TableReader& t, const Model& m, Product& p, double die_area_mm2);

// The index of a tool class named at `key`, or a located error listing the known ones.
int read_tool_class(TableReader& t, std::string_view key, const Model& m, const std::string& name);

}  // namespace chipsim

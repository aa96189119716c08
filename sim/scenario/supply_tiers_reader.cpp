#include "sim/scenario/supply_tiers_reader.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "sim/scenario/critical_minerals_reader.hpp"
#include "sim/scenario/event_registry.hpp"

namespace chipsim {

namespace {
constexpr double kHugeWafers = 1e12;  // wafers per month: bound for validation only
constexpr double kHugeUsd = 1e12;

std::vector<int> read_tools(TableReader& t, const Model& m) {
  std::vector<int> tools;
  if (!t.has("tools")) return tools;
  for (const std::string& name : t.strings("tools")) tools.push_back(read_tool_class(t, "tools", m, name));
  return tools;
}

// The capacity path shared by nodes and packaging lines: start, growth at full access, ceiling.
void read_path(TableReader& t, double& start, double& growth, double& ceiling) {
  start = t.number("wafers_per_month", 0.0, kHugeWafers);
  growth = t.number_or("capacity_growth_per_month", 0.0, -0.99, 10.0);
  ceiling = t.number_or("capacity_max_wafers_per_month", 0.0, 0.0, kHugeWafers);
  if (ceiling > 0 && ceiling < start) t.fail("capacity_max_wafers_per_month", "must not be below wafers_per_month");
  if (ceiling <= 0 && growth > 0.2)
    t.fail("capacity_growth_per_month", "above 0.2 a month without capacity_max_wafers_per_month: the path explodes");
}

// The investment keys shared by nodes and packaging lines.
TierInvestment read_investment(TableReader& t, const Model& m) {
  TierInvestment x;
  x.capex_usd_per_wafer_month = t.number_or("capex_usd_per_wafer_per_month", 0.0, 0.0, kHugeUsd);
  x.reinvestment_share = t.number_or("reinvestment_share", 0.0, 0.0, 5.0);
  x.utilisation_trigger = t.number_or("invest_utilisation", x.utilisation_trigger, 0.0, 1.0);
  x.build_lag_periods = static_cast<int>(std::ceil(t.number_or("build_lag_months", 0.0, 0.0, 240.0) / m.calendar.months_per_period));
  if (x.reinvestment_share > 0 && x.capex_usd_per_wafer_month <= 0)
    t.fail("reinvestment_share", "needs capex_usd_per_wafer_per_month > 0 (the cost of a wafer per month of capacity)");
  return x;
}
}  // namespace

int read_tool_class(TableReader& t, std::string_view key, const Model& m, const std::string& name) {
  const auto it = std::find(m.tool_classes.begin(), m.tool_classes.end(), name);
  if (it != m.tool_classes.end()) return static_cast<int>(it - m.tool_classes.begin());
  std::string known;
  for (const auto& n : m.tool_classes) known += (known.empty() ? "" : ", ") + n;
  t.fail(key, "unknown tool class \"" + name + "\": no [[equipment_supplier]] makes it (known: " +
                  (known.empty() ? std::string("none") : known) + ")");
}

void read_supply_tiers(TableReader& root, Model& m) {
  std::set<std::pair<int, int>> seen_supply;
  std::vector<double> class_share;
  for (TableReader& t : root.tables("equipment_supplier")) {
    EquipmentSupplier s;
    s.country = read_country(t, "country", m);
    const std::string tool = t.string("tool");
    auto it = std::find(m.tool_classes.begin(), m.tool_classes.end(), tool);
    if (it == m.tool_classes.end()) {
      m.tool_classes.push_back(tool);
      class_share.push_back(0.0);
      it = m.tool_classes.end() - 1;
    }
    s.tool = static_cast<int>(it - m.tool_classes.begin());
    if (!seen_supply.insert({s.country, s.tool}).second)
      t.fail("tool", "a second [[equipment_supplier]] for " + m.countries[s.country].code + " and \"" + tool + "\"");
    s.share = t.number("share", 0.0, 1.0);
    class_share[static_cast<std::size_t>(s.tool)] += s.share;
    if (class_share[static_cast<std::size_t>(s.tool)] > 1.0 + 1e-9)
      t.fail("share", "the shares of tool class \"" + tool + "\" sum to more than 1");
    t.optional_string("source");
    t.optional_string("note");
    t.finish();
    m.equipment_suppliers.push_back(s);
  }

  std::set<std::string> seen;
  for (TableReader& t : root.tables("process_node")) {
    ProcessNode n;
    n.name = t.string("name");
    if (!seen.insert(n.name).second) t.fail("name", "a second [[process_node]] named \"" + n.name + "\"");
    n.foundry = t.optional_string("foundry").value_or(n.name);
    n.country = read_country(t, "country", m);
    n.feature_nm = t.number("feature_nm", 0.1, 1e4);
    read_path(t, n.wafers_per_month, n.capacity_growth_per_month, n.capacity_max_wafers_per_month);
    n.wafer_cost_usd = t.number("wafer_cost_usd", 0.0, kHugeUsd);
    n.wafer_diameter_mm = t.number_or("wafer_diameter_mm", 300.0, 25.0, 1000.0);
    n.defect_density_per_cm2 = t.number("defect_density_per_cm2", 0.0, 100.0);
    n.defect_density_floor_per_cm2 = t.number_or("defect_density_floor_per_cm2", n.defect_density_per_cm2, 0.0, 100.0);
    if (n.defect_density_floor_per_cm2 > n.defect_density_per_cm2)
      t.fail("defect_density_floor_per_cm2", "must not exceed defect_density_per_cm2");
    n.learning_rate = t.number_or("learning_rate", 0.0, 0.0, 0.9);
    n.learning_reference_wafers = t.number_or("learning_reference_wafers", 1.0, 1.0, 1e15);
    n.tools = read_tools(t, m);
    n.mineral_exposure = read_mineral_exposure(t, m);
    n.investment = read_investment(t, m);
    t.optional_string("source");
    t.optional_string("note");
    t.finish();
    m.process_nodes.push_back(std::move(n));
  }
  for (TableReader& t : root.tables("packaging_line")) {
    PackagingLine l;
    l.name = t.string("name");
    if (!seen.insert(l.name).second) t.fail("name", "\"" + l.name + "\" already names a process node or packaging line");
    l.country = read_country(t, "country", m);
    read_path(t, l.wafers_per_month, l.capacity_growth_per_month, l.capacity_max_wafers_per_month);
    l.cost_usd_per_wafer = t.number("cost_usd_per_wafer", 0.0, kHugeUsd);
    l.tools = read_tools(t, m);
    l.mineral_exposure = read_mineral_exposure(t, m);
    l.investment = read_investment(t, m);
    t.optional_string("source");
    t.optional_string("note");
    t.finish();
    m.packaging_lines.push_back(std::move(l));
  }
}

void read_product_supply(TableReader& t, const Model& m, Product& p, double die_area_mm2) {
  auto find = [&](const char* key, const auto& list, const char* table) {
    const std::string name = t.string(key);
    for (std::size_t k = 0; k < list.size(); ++k)
      if (list[k].name == name) return static_cast<int>(k);
    std::string known;
    for (const auto& e : list) known += (known.empty() ? "" : ", ") + e.name;
    t.fail(key, "unknown " + std::string(table) + " \"" + name + "\" (known: " + (known.empty() ? std::string("none") : known) + ")");
  };
  if (t.has("process_node")) p.process_node = find("process_node", m.process_nodes, "[[process_node]]");
  const bool accelerator = p.kind == ProductKind::accelerator;
  if (accelerator && p.process_node >= 0) {
    if (!(die_area_mm2 > 0)) t.fail("process_node", "an accelerator made on a process node needs die_area_mm2");
    p.die_area_mm2 = die_area_mm2;
    const ProcessNode& node = m.process_nodes[static_cast<std::size_t>(p.process_node)];
    if (gross_dies_per_wafer(die_area_mm2, node.wafer_diameter_mm) < 1)
      t.fail("die_area_mm2", "the die does not fit on a " + std::to_string(static_cast<int>(node.wafer_diameter_mm)) + " mm wafer");
    if (!(poisson_yield(die_area_mm2, node.defect_density_per_cm2) > 0))
      t.fail("die_area_mm2", "at the defect density of " + node.name + " no die of this area is good (yield underflows to 0)");
    p.dies_per_unit = t.number_or("dies_per_unit", 1.0, 1.0, 64.0);
    p.initial_die_stock = t.number_or("initial_die_stock", 0.0, 0.0, 1e12);
  } else {
    for (const char* key : {"dies_per_unit", "initial_die_stock"})
      if (t.has(key)) t.fail(key, accelerator ? "only meaningful with process_node" : "only accelerators are made of logic dies");
  }
  if (t.has("packaging_line")) {
    if (!accelerator) t.fail("packaging_line", "only accelerators are packaged");
    p.packaging_line = find("packaging_line", m.packaging_lines, "[[packaging_line]]");
    p.packages_per_packaging_wafer = t.number("packages_per_packaging_wafer", 0.1, 1e5);
  } else if (t.has("packages_per_packaging_wafer")) {
    t.fail("packages_per_packaging_wafer", "only meaningful with packaging_line");
  }
}

}  // namespace chipsim

#include "sim/scenario/generation_ladder_reader.hpp"

#include <set>
#include <string>

#include "sim/scenario/event_registry.hpp"

namespace chipsim {

namespace {
// A [min, max] pair of ratios written as a two-element list.
void read_range(TableReader& t, const char* key, double lo, double hi, double& min, double& max) {
  if (!t.has(key)) return;
  const toml::node* n = t.raw().get(key);
  const toml::array* a = n ? n->as_array() : nullptr;
  if (!a || a->size() != 2 || !(*a)[0].is_number() || !(*a)[1].is_number())
    t.fail(key, "must be a list of two numbers [min, max]");
  t.mark_used(key);
  min = (*a)[0].value<double>().value();
  max = (*a)[1].value<double>().value();
  if (!(min >= lo && max <= hi && min <= max))
    t.fail(key, "needs " + std::to_string(lo) + " <= min <= max <= " + std::to_string(hi));
}
}  // namespace

void read_generation_ladders(TableReader& root, Model& m) {
  std::set<int> firms;
  for (TableReader& t : root.tables("generation_ladder")) {
    GenerationLadder g;
    g.firm = read_firm(t, "firm", m);
    if (!firms.insert(g.firm).second) t.fail("firm", "a second [[generation_ladder]] for " + m.firms[g.firm].name);
    const std::string name = t.string("template");
    const auto j = m.product_index(name);
    if (!j) t.fail("template", "unknown product \"" + name + "\"");
    const Product& base = m.products[static_cast<std::size_t>(*j)];
    if (base.owner != g.firm) t.fail("template", "\"" + name + "\" is not a product of " + m.firms[g.firm].name);
    if (base.kind != ProductKind::accelerator || !base.launch_on_arrival)
      t.fail("template", "\"" + name + "\" must be an accelerator with launch = \"on_arrival\" (its successors arrive the same way)");
    g.template_product = *j;
    g.rungs = static_cast<int>(t.integer("rungs", 1, 20));
    read_range(t, "performance_ratio", 0.01, 10.0, g.performance_ratio_min, g.performance_ratio_max);
    read_range(t, "die_area_ratio", 0.1, 10.0, g.die_area_ratio_min, g.die_area_ratio_max);
    g.learning_spillover = t.number_or("learning_spillover", 0.0, 0.0, 1.0);
    t.optional_string("source");
    t.optional_string("note");
    t.finish();
    const int ladder = static_cast<int>(m.generation_ladders.size());
    m.generation_ladders.push_back(g);
    int before = *j;
    for (int k = 1; k <= g.rungs; ++k) {
      Product rung = m.products[static_cast<std::size_t>(*j)];
      rung.generation = base.generation + k;
      rung.name = base.name + "_g" + std::to_string(rung.generation);
      if (m.product_index(rung.name)) t.fail("template", "a product named \"" + rung.name + "\" exists already: rename it or the template");
      rung.ladder = ladder;
      rung.predecessor = before;
      rung.initial_die_stock = 0;
      rung.initial_hbm_stock = 0;
      before = m.n_products();
      m.products_of_kind[static_cast<int>(rung.kind)].push_back(before);
      m.products.push_back(std::move(rung));
    }
  }
}

}  // namespace chipsim

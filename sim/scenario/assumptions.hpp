#pragma once
// The keys a scenario marks as ASSUMPTION (values that are not published figures: calibration
// parameters a result rests on). They are found in the scenario's own text, since TOML comments
// do not survive parsing, and written into the resolved scenario text that every output file
// stores, so that `chipsim report` can list them for any run, compare, batch or deals file.
//
// What counts as a mark (docs/SCENARIOS.md, "Marking assumptions"):
//   - a comment block containing the word ASSUMPTION marks the keys that follow it directly (up
//     to the next blank line, comment or table header; a key with a trailing comment of its own,
//     e.g. a source, is not marked), or the table that follows it;
//   - a block between two divider lines (# ----) is a section note: if it says ASSUMPTION it is
//     listed as <table>.* (e.g. product.*) for the tables below it;
//   - a trailing comment containing ASSUMPTION marks the key on its line;
//   - a string value containing ASSUMPTION (e.g. an event's source) marks its table.
// Paths use the sweep-path form: parameters.reference_unit_price_usd, firm.Huawei.learning_rate,
// product.H20.capacity_units_per_month, event.cn_2025_11_mandate (events by id, else by
// position: event#3), country.CN, government.CN.rd_subsidy_rate.
#include <string>
#include <vector>

namespace chipsim {

struct Assumption {
  std::string path;  // key or table path, as above
  std::string note;  // the marking comment or string, whitespace collapsed
};

// The ASSUMPTION marks of one scenario file's text. If the text already carries the block that
// assumptions_block() writes (a resolved scenario read back from an output file), that block is
// parsed instead. Never throws: a text it cannot follow yields fewer marks, not an error.
std::vector<Assumption> find_assumptions(const std::string& text);

// Marks of an `extend` chain, base first: a later file's mark on the same path replaces the
// earlier one.
std::vector<Assumption> merge_assumptions(const std::vector<std::vector<Assumption>>& chain);

// The block stored in a resolved scenario text: a marker line, then one comment line per mark,
// "# ASSUMPTION <path>: <note>". Empty when there is no mark.
std::string assumptions_block(const std::vector<Assumption>& marks);

// The marker line that starts assumptions_block().
extern const char* const kAssumptionsMarker;

}  // namespace chipsim

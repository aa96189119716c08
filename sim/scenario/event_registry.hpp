#pragma once
// Policy event actions, registered by name (docs/SPEC.md §6). Each action's source file
// registers a parser that validates its arguments against the world at load time and
// returns the EventAction applied in its period by the apply_policy stage.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/core/model.hpp"
#include "sim/scenario/table_reader.hpp"

namespace chipsim {

// Reads the action-specific keys of one [[event]] table (date and action are already read).
using EventParser = std::function<std::shared_ptr<const EventAction>(TableReader& table, const Model& world)>;

bool register_event_action(const std::string& name, EventParser parser);
const EventParser* find_event_action(const std::string& name);
std::vector<std::string> event_action_names();

// The event by which `ally` mirrors `rule` for its own products (with the ally's probability;
// the draw is keyed by `draw`, unique per generated event).
std::shared_ptr<const EventAction> make_ally_adoption(const ControlRule& rule, const AllyAdoption& ally,
                                                      const std::string& ally_code, std::uint64_t draw);

// Helpers shared by action parsers: resolve names to indices or fail at the key's location.
int read_country(TableReader& t, std::string_view key, const Model& world);
int read_firm(TableReader& t, std::string_view key, const Model& world);
int read_firm_name(TableReader& t, std::string_view key, const Model& world, const std::string& name);  // one entry of a list
int read_product(TableReader& t, std::string_view key, const Model& world, std::string_view name);
ProductKind read_product_kind(TableReader& t, std::string_view key);

}  // namespace chipsim

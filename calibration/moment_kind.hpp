#pragma once
// Kinds of simulated moment (docs/CALIBRATION.md "Moments"): a named function of a run's
// recorded series over a calendar window, with arguments (a firm, a product, a destination ...).
// A calibration file's [[moment]] names a kind, its arguments, a window and a target; `chipsim
// fit`'s public figures map onto the same kinds. One file per family of kinds lives in
// calibration/moments/ (revenue, units, HBM, margins and prices, recorded series), in the
// manner of LAMMPS styles: adding a kind is adding a file and one line to the list in
// moment_kind.cpp.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "calibration/moment_window.hpp"

namespace chipsim {

using MomentArgs = std::map<std::string, std::string>;

struct MomentKind {
  std::string name;
  std::string description;
  // Base unit of the value: "USD", "units" (counts: accelerators, stacks, wafers), "share"
  // (0..1) or "as_recorded" (the recorded variable's own unit). A moment's declared unit scales
  // it (unit_scale).
  std::string base_unit;
  std::vector<std::string> required, optional;  // argument names
  // The value over the window, in the base unit; nullopt when the run lacks what it needs.
  std::function<std::optional<double>(const Model&, const Series&, const Window&, const MomentArgs&)> value;
};

// Registry (thread-safe; the built-in kinds are registered on first use). Registering a name
// twice returns false and keeps the first.
bool register_moment_kind(MomentKind kind);
const MomentKind* find_moment_kind(const std::string& name);
std::vector<std::string> moment_kind_names();

// The divisor that expresses a value of `base_unit` in `unit` (e.g. USD -> USD_billion: 1e9);
// nullopt when the two do not match (a revenue stated in "share").
std::optional<double> unit_scale(const std::string& base_unit, const std::string& unit);

// Value of the kind over the window in `unit` (divided by unit_scale); nullopt as the kind.
// Throws Error for a missing required argument or a unit that does not match.
std::optional<double> evaluate_moment(const MomentKind& kind, const Model& m, const Series& s, const Window& w,
                                      const MomentArgs& args, const std::string& unit);

}  // namespace chipsim

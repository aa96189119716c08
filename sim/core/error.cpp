#include "sim/core/error.hpp"

namespace chipsim {

std::string SourceLocation::to_string() const {
  std::string s = file.empty() ? std::string("<scenario>") : file;
  if (line > 0) {
    s.append(":").append(std::to_string(line));
    if (column > 0) s.append(":").append(std::to_string(column));
  }
  return s;
}

ScenarioError::ScenarioError(SourceLocation where, const std::string& what)
    : Error(where.to_string() + ": " + what), where_(std::move(where)) {}

InvariantError::InvariantError(int period, const std::string& period_label, const std::string& what)
    : Error("invariant broken in period " + std::to_string(period) + " (" + period_label + "): " + what),
      period_(period) {}

void fail_at(const SourceLocation& where, const std::string& what) { throw ScenarioError(where, what); }

}  // namespace chipsim

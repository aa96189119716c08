#pragma once
// Small text edits of test scenarios: add keys to a named table, read a series value.
#include <catch2/catch.hpp>

#include <string>

#include "sim/model.hpp"
#include "sim/series.hpp"

namespace chipsim::test {

// Inserts `keys` (TOML lines) right after the line `name = "<name>"` of the first table with it.
inline std::string with_keys(std::string text, const std::string& name, const std::string& keys) {
  const std::string line = "name = \"" + name + "\"\n";
  const auto pos = text.find(line);
  REQUIRE(pos != std::string::npos);
  text.insert(pos + line.size(), keys + (keys.empty() || keys.back() == '\n' ? "" : "\n"));
  return text;
}

// Value of a recorded variable at period t and flat index k within the period's row.
inline double value(const Series& s, const char* var, int t, std::size_t k) {
  const Variable& v = s.variable(var);
  REQUIRE(k < v.row_size);
  return v.data[static_cast<std::size_t>(t) * v.row_size + k];
}

}  // namespace chipsim::test

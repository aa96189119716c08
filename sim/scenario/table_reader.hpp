#pragma once
// Reads one TOML table of a scenario with location-aware, validating getters. Every key read
// is marked as used; finish() rejects any key that was not (unknown keys are errors, not
// silently ignored). All errors are ScenarioError "file:line:column: <context>.<key>: what".
#include <toml++/toml.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/calendar.hpp"
#include "sim/core/error.hpp"

namespace chipsim {

class TableReader {
 public:
  TableReader(const toml::table& table, std::string file, std::string context);

  bool has(std::string_view key) const;
  std::string string(std::string_view key);
  std::optional<std::string> optional_string(std::string_view key);
  // A number within [lo, hi] (integers accepted).
  double number(std::string_view key, double lo, double hi);
  double number_or(std::string_view key, double fallback, double lo, double hi);
  std::optional<double> optional_number(std::string_view key, double lo, double hi);
  // An integer within [lo, hi]; a whole number written as a float (3.0) is accepted, a fraction
  // is an error ("must be a whole number").
  std::int64_t integer(std::string_view key, std::int64_t lo, std::int64_t hi);
  std::int64_t integer_or(std::string_view key, std::int64_t fallback, std::int64_t lo, std::int64_t hi);
  bool boolean_or(std::string_view key, bool fallback);
  Month month(std::string_view key);
  std::optional<Month> optional_month(std::string_view key);
  std::vector<std::string> strings(std::string_view key);  // array of strings (or one string)
  // A file named by a string key, relative to this table's file, as an absolute path; a path
  // that cannot be read as an input file fails at the key (input_file.hpp).
  std::string input_path(std::string_view key);
  // Arrays of tables, e.g. [[event.prong]]; each element gets its own reader.
  std::vector<TableReader> tables(std::string_view key);
  std::optional<TableReader> table(std::string_view key);
  // Keys of this table that have not been read yet, in file order.
  std::vector<std::string> unread_keys() const;

  // Marks a key as read without parsing it (for keys consumed elsewhere).
  void mark_used(std::string_view key) { used_.insert(std::string(key)); }

  SourceLocation where() const;                    // the table itself
  SourceLocation where(std::string_view key) const;  // a key's value
  [[noreturn]] void fail(std::string_view key, const std::string& what) const;
  [[noreturn]] void fail(const std::string& what) const;
  // Errors on any key not read. `allowed` hints what may be written here.
  void finish() const;

  const std::string& context() const { return context_; }
  const std::string& file() const { return file_; }
  const toml::table& raw() const { return *table_; }

 private:
  const toml::node* get(std::string_view key) const;
  const toml::table* table_;
  std::string file_;
  std::string context_;
  std::set<std::string, std::less<>> used_;
};

SourceLocation location_of(const toml::source_region& region, const std::string& file);

// Parses a TOML text; a syntax error is a ScenarioError at its file:line:column.
toml::table parse_toml(const std::string& text, const std::string& file);

}  // namespace chipsim

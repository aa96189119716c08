#pragma once
// The one error hierarchy of chipsim. Every user-facing error says where it comes from:
// "history.toml:42:7: tariff rate must be in [0, 5], got -0.3".
#include <stdexcept>
#include <string>

namespace chipsim {

// A place in a scenario (or experiment) file. line/column are 1-based; 0 = unknown.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;
  std::string to_string() const;
};

// Base class of every error chipsim reports to its users.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Invalid input: a malformed or inconsistent scenario file, an unknown firm, a bad value.
class ScenarioError : public Error {
 public:
  ScenarioError(SourceLocation where, const std::string& what);
  const SourceLocation& where() const { return where_; }
 private:
  SourceLocation where_;
};

// A broken economic invariant during a run (money or units not conserved, negative stock).
class InvariantError : public Error {
 public:
  InvariantError(int period, const std::string& period_label, const std::string& what);
  int period() const { return period_; }
 private:
  int period_;
};

// Failure to read or write a file (missing input, full disk, permissions).
class IoError : public Error {
 public:
  using Error::Error;
};

[[noreturn]] void fail_at(const SourceLocation& where, const std::string& what);

}  // namespace chipsim

#include "sim/scenario/table_reader.hpp"

#include "sim/scenario/input_file.hpp"

#include <cmath>
#include <filesystem>
#include <sstream>

namespace chipsim {

namespace {
std::string format_number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}
const char* type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date/time";
  }
}
}  // namespace

SourceLocation location_of(const toml::source_region& region, const std::string& file) {
  // Nodes merged in from an extended scenario keep the path of the file they were written in.
  const std::string& where = region.path && !region.path->empty() ? *region.path : file;
  return SourceLocation{where, static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

toml::table parse_toml(const std::string& text, const std::string& file) {
  try {
    return toml::parse(text, std::string(file));
  } catch (const toml::parse_error& e) {
    fail_at(location_of(e.source(), file), std::string("TOML syntax error: ") + std::string(e.description()));
  }
}

std::string TableReader::input_path(std::string_view key) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string path = fs::absolute(fs::path(file_).parent_path() / string(key), ec).lexically_normal().string();
  if (const std::string why = ec ? ec.message() : input_file_problem(path); !why.empty()) fail(key, why + ": " + path);
  return path;
}

TableReader::TableReader(const toml::table& table, std::string file, std::string context)
    : table_(&table), file_(std::move(file)), context_(std::move(context)) {}

const toml::node* TableReader::get(std::string_view key) const { return table_->get(key); }

bool TableReader::has(std::string_view key) const { return get(key) != nullptr; }

SourceLocation TableReader::where() const { return location_of(table_->source(), file_); }

SourceLocation TableReader::where(std::string_view key) const {
  const toml::node* n = get(key);
  return n ? location_of(n->source(), file_) : where();
}

void TableReader::fail(std::string_view key, const std::string& what) const {
  fail_at(where(key), (context_.empty() ? std::string() : context_ + ".") + std::string(key) + ": " + what);
}

void TableReader::fail(const std::string& what) const { fail_at(where(), context_ + ": " + what); }

std::string TableReader::string(std::string_view key) {
  auto v = optional_string(key);
  if (!v) fail(key, "missing (a string is required)");
  return *v;
}

std::optional<std::string> TableReader::optional_string(std::string_view key) {
  const toml::node* n = get(key);
  if (!n) return std::nullopt;
  used_.insert(std::string(key));
  if (!n->is_string()) fail(key, std::string("must be a string, got ") + type_name(*n));
  std::string s = n->as_string()->get();
  if (s.empty()) fail(key, "must not be empty");
  return s;
}

std::optional<double> TableReader::optional_number(std::string_view key, double lo, double hi) {
  const toml::node* n = get(key);
  if (!n) return std::nullopt;
  used_.insert(std::string(key));
  double v;
  if (n->is_integer())
    v = static_cast<double>(n->as_integer()->get());
  else if (n->is_floating_point())
    v = n->as_floating_point()->get();
  else
    fail(key, std::string("must be a number, got ") + type_name(*n));
  if (!std::isfinite(v)) fail(key, "must be a finite number");
  if (v < lo || v > hi)
    fail(key, "must be in [" + format_number(lo) + ", " + format_number(hi) + "], got " + format_number(v));
  return v;
}

double TableReader::number(std::string_view key, double lo, double hi) {
  auto v = optional_number(key, lo, hi);
  if (!v) fail(key, "missing (a number in [" + format_number(lo) + ", " + format_number(hi) + "] is required)");
  return *v;
}

double TableReader::number_or(std::string_view key, double fallback, double lo, double hi) {
  return optional_number(key, lo, hi).value_or(fallback);
}

std::int64_t TableReader::integer(std::string_view key, std::int64_t lo, std::int64_t hi) {
  const toml::node* n = get(key);
  if (!n) fail(key, "missing (an integer is required)");
  used_.insert(std::string(key));
  std::int64_t v = 0;
  if (n->is_integer()) {
    v = n->as_integer()->get();
  } else if (n->is_floating_point()) {  // a whole number written as 3.0 (sweeps insert such values)
    const double x = n->as_floating_point()->get();
    if (!(std::floor(x) == x) || !(std::abs(x) < 9.2e18))
      fail(key, "must be a whole number, got " + std::to_string(x));
    v = static_cast<std::int64_t>(x);
  } else {
    fail(key, std::string("must be an integer, got ") + type_name(*n));
  }
  if (v < lo || v > hi)
    fail(key, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + std::to_string(v));
  return v;
}

std::int64_t TableReader::integer_or(std::string_view key, std::int64_t fallback, std::int64_t lo, std::int64_t hi) {
  return has(key) ? integer(key, lo, hi) : fallback;
}

bool TableReader::boolean_or(std::string_view key, bool fallback) {
  const toml::node* n = get(key);
  if (!n) return fallback;
  used_.insert(std::string(key));
  if (!n->is_boolean()) fail(key, std::string("must be true or false, got ") + type_name(*n));
  return n->as_boolean()->get();
}

std::optional<Month> TableReader::optional_month(std::string_view key) {
  if (const toml::node* n = get(key); n && n->is_date()) {  // an unquoted TOML date: 2022-10-07
    used_.insert(std::string(key));
    const auto d = n->as_date()->get();
    return Month{d.year, d.month};
  }
  auto s = optional_string(key);
  if (!s) {
    if (const toml::node* n = get(key); n && n->is_date()) {  // unquoted TOML date 2022-10-07
      const auto d = n->as_date()->get();
      return Month{d.year, d.month};
    }
    return std::nullopt;
  }
  auto m = parse_month(*s);
  if (!m) fail(key, "must be a date \"YYYY-MM\" or \"YYYY-MM-DD\", got \"" + *s + "\"");
  return m;
}

Month TableReader::month(std::string_view key) {
  auto m = optional_month(key);
  if (!m) fail(key, "missing (a date \"YYYY-MM\" is required)");
  return *m;
}

std::vector<std::string> TableReader::strings(std::string_view key) {
  const toml::node* n = get(key);
  if (!n) fail(key, "missing (a list of strings is required)");
  used_.insert(std::string(key));
  std::vector<std::string> out;
  if (n->is_string()) {
    out.push_back(n->as_string()->get());
  } else if (const toml::array* a = n->as_array()) {
    for (const toml::node& e : *a) {
      if (!e.is_string()) fail_at(location_of(e.source(), file_), context_ + "." + std::string(key) + ": every element must be a string");
      out.push_back(e.as_string()->get());
    }
  } else {
    fail(key, std::string("must be a list of strings, got ") + type_name(*n));
  }
  return out;
}

std::vector<TableReader> TableReader::tables(std::string_view key) {
  std::vector<TableReader> out;
  const toml::node* n = get(key);
  if (!n) return out;
  used_.insert(std::string(key));
  const toml::array* a = n->as_array();
  if (!a) {
    if (const toml::table* t = n->as_table()) {
      out.emplace_back(*t, file_, (context_.empty() ? "" : context_ + ".") + std::string(key));
      return out;
    }
    fail(key, "must be an array of tables ([[" + context_ + "." + std::string(key) + "]])");
  }
  int i = 0;
  for (const toml::node& e : *a) {
    const toml::table* t = e.as_table();
    if (!t) fail_at(location_of(e.source(), file_), context_ + "." + std::string(key) + ": every element must be a table");
    out.emplace_back(*t, file_, (context_.empty() ? "" : context_ + ".") + std::string(key) + "[" + std::to_string(i++) + "]");
  }
  return out;
}

std::optional<TableReader> TableReader::table(std::string_view key) {
  const toml::node* n = get(key);
  if (!n) return std::nullopt;
  used_.insert(std::string(key));
  const toml::table* t = n->as_table();
  if (!t) fail(key, std::string("must be a table, got ") + type_name(*n));
  return TableReader(*t, file_, (context_.empty() ? "" : context_ + ".") + std::string(key));
}

std::vector<std::string> TableReader::unread_keys() const {
  std::vector<std::string> out;
  for (auto&& [k, v] : *table_)
    if (!used_.count(k.str())) out.emplace_back(k.str());
  return out;
}

void TableReader::finish() const {
  for (auto&& [k, v] : *table_) {
    if (used_.count(k.str())) continue;
    std::string known;
    for (const auto& u : used_) known += (known.empty() ? "" : ", ") + u;
    fail_at(location_of(k.source(), file_),
            (context_.empty() ? std::string() : context_ + ".") + std::string(k.str()) + ": unknown key" +
                (known.empty() ? std::string() : " (keys read here: " + known + ")"));
  }
}

}  // namespace chipsim

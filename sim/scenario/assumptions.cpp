#include "sim/scenario/assumptions.hpp"

#include <cctype>
#include <map>
#include <sstream>

namespace chipsim {

const char* const kAssumptionsMarker = "# ---- chipsim: keys marked ASSUMPTION in this scenario (chipsim report lists them) ----";

namespace {

std::string trim(const std::string& s) {
  std::size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

std::string collapse(const std::string& s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::string unquote(std::string s) {
  s = trim(s);
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) return s.substr(1, s.size() - 2);
  return s;
}

// The position of a '#' that starts a comment (outside strings), or npos.
std::size_t comment_start(const std::string& line) {
  char quote = 0;
  for (std::size_t k = 0; k < line.size(); ++k) {
    const char c = line[k];
    if (quote) {
      if (c == '\\' && quote == '"') ++k;
      else if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#') {
      return k;
    }
  }
  return std::string::npos;
}

const char* identity_key_of(const std::string& array) {
  if (array == "country") return "code";
  if (array == "government") return "country";
  if (array == "event") return "id";
  if (array == "firm" || array == "product" || array == "ai_firm" || array == "hbm_buyer" || array == "process_node" ||
      array == "packaging_line") return "name";
  return nullptr;
}

// One [[array]] element (or [table]) being read: its marks are kept with paths relative to the
// element until its identity (name, code, id) is known.
struct Element {
  std::string head;      // "parameters", "firm", "event"
  bool array = false;    // [[head]]
  int position = 0;      // index among the [[head]] elements
  std::string identity;  // its name/code/id value, once read
  std::vector<Assumption> marks;  // path relative to the element ("" = the element itself)

  std::string prefix() const {
    if (!array) return head;
    return head + "." + (identity.empty() ? "#" + std::to_string(position) : identity);
  }
};

std::vector<Assumption> parse_block(const std::string& text) {
  std::vector<Assumption> out;
  std::istringstream in(text.substr(text.find(kAssumptionsMarker)));
  std::string line;
  std::getline(in, line);
  const std::string tag = "# ASSUMPTION ";
  while (std::getline(in, line) && line.rfind(tag, 0) == 0) {
    const std::string rest = line.substr(tag.size());
    const auto colon = rest.find(": ");
    if (colon == std::string::npos) break;
    out.push_back({rest.substr(0, colon), rest.substr(colon + 2)});
  }
  return out;
}

}  // namespace

std::vector<Assumption> find_assumptions(const std::string& text) {
  if (text.find(kAssumptionsMarker) != std::string::npos) return parse_block(text);
  std::vector<Assumption> out;
  std::map<std::string, int> counts;      // elements seen per [[array]]
  std::map<std::string, int> sub_counts;  // sub-tables seen per [[array.sub]] within the element
  Element current;
  std::string block;          // text of the comment block being read
  bool in_block = false;
  std::string pending;        // the last comment block, if it marks an ASSUMPTION ...
  bool applies = false;       // ... and still applies to the next key or table
  std::string subtable;       // "[[event.prong]]" -> "prong#0" inside the current element
  std::string section;        // a block between two dividers, pending the next table header
  auto flush = [&]() {
    for (const Assumption& a : current.marks)
      out.push_back({current.prefix() + (a.path.empty() ? "" : "." + a.path), a.note});
    current.marks.clear();
  };

  std::istringstream in(text);
  std::string raw;
  while (std::getline(in, raw)) {
    const std::string line = trim(raw);
    if (line.empty()) {
      in_block = applies = false;
      continue;
    }
    if (line[0] == '#') {
      const std::string body = trim(line.substr(1));
      if (body.size() >= 3 && body.find_first_not_of("-=") == std::string::npos) {
        // A divider: the block it closes is a section note (it describes the tables below, not
        // the first of them).
        if (in_block && !block.empty()) section = block;
        block.clear();
        in_block = applies = false;
        continue;
      }
      block = in_block ? block + " " + body : body;
      in_block = true;
      applies = false;
      continue;
    }
    if (in_block) {
      in_block = false;
      applies = block.find("ASSUMPTION") != std::string::npos;
      pending = applies ? block : std::string();
    }
    if (line[0] == '[') {
      const bool array = line.rfind("[[", 0) == 0;
      const std::size_t close = line.find(']');
      std::string name = trim(line.substr(array ? 2 : 1, close == std::string::npos ? std::string::npos : close - (array ? 2 : 1)));
      const auto dot = name.find('.');
      const std::string head = name.substr(0, dot);
      if (dot != std::string::npos && head == current.head) {
        // a sub-table of the current element ([[event.prong]], [firm.x])
        const std::string sub = name.substr(dot + 1);
        subtable = array ? sub + "#" + std::to_string(sub_counts[name]++) : sub;
      } else {
        flush();
        if (section.find("ASSUMPTION") != std::string::npos) out.push_back({head + ".*", collapse(section)});
        section.clear();
        current = Element{};
        sub_counts.clear();  // sub-tables are numbered within their element
        current.head = name;
        current.array = array;
        current.position = array ? counts[name]++ : 0;
        subtable.clear();
      }
      if (applies) current.marks.push_back({subtable, collapse(pending)});
      applies = false;
      continue;
    }
    const std::size_t eq = line.find('=');
    if (eq == std::string::npos) continue;  // continuation of a multi-line value
    const std::string key = unquote(line.substr(0, eq));
    const std::size_t hash = comment_start(line);
    const std::string value = trim(line.substr(eq + 1, hash == std::string::npos ? std::string::npos : hash - eq - 1));
    const std::string trailing = hash == std::string::npos ? std::string() : trim(line.substr(hash + 1));
    const std::string rel = (subtable.empty() ? "" : subtable + ".") + key;
    if (subtable.empty() && current.array) {
      const char* id = identity_key_of(current.head);
      if (id && key == id) current.identity = unquote(value);
    }
    std::string note;
    if (trailing.find("ASSUMPTION") != std::string::npos) note = trailing;
    else if (applies && trailing.empty()) note = pending;  // a key with its own comment (a source) is not marked
    if (!note.empty()) current.marks.push_back({rel, collapse(note)});
    if (value.find("ASSUMPTION") != std::string::npos && (value.front() == '"' || value.front() == '\''))
      current.marks.push_back({subtable, collapse(unquote(value))});
  }
  flush();
  return out;
}

std::vector<Assumption> merge_assumptions(const std::vector<std::vector<Assumption>>& chain) {
  std::vector<Assumption> out;
  std::map<std::string, std::size_t> where;
  for (const auto& file : chain)
    for (const Assumption& a : file) {
      auto it = where.find(a.path);
      if (it == where.end()) {
        where.emplace(a.path, out.size());
        out.push_back(a);
      } else {
        out[it->second] = a;
      }
    }
  return out;
}

std::string assumptions_block(const std::vector<Assumption>& marks) {
  if (marks.empty()) return {};
  std::string s = std::string(kAssumptionsMarker) + "\n";
  for (const Assumption& a : marks) s += "# ASSUMPTION " + a.path + ": " + a.note + "\n";
  return s;
}

}  // namespace chipsim

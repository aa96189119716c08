#include "calibration/targets.hpp"

#include <charconv>
#include <fstream>

#include "sim/core/error.hpp"

namespace chipsim {

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (quoted) {
      if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (ch == '"') {
        quoted = false;
      } else {
        fields.back() += ch;
      }
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == ',') {
      fields.emplace_back();
    } else if (ch != '\r') {
      fields.back() += ch;
    }
  }
  return fields;
}

std::vector<Target> load_targets(const std::string& csv_path) {
  std::ifstream in(csv_path);
  if (!in) throw IoError(csv_path + ": cannot open the calibration targets");
  std::string line;
  std::vector<Target> out;
  int line_no = 0;
  std::vector<std::string> header;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    auto f = split_csv_line(line);
    if (header.empty()) {
      header = f;
      if (header.size() < 7 || header[0] != "key" || header[1] != "value")
        fail_at({csv_path, line_no, 1}, "expected the header key,value,unit,period,kind,source,confidence");
      continue;
    }
    if (f.size() != header.size())
      fail_at({csv_path, line_no, 1}, "expected " + std::to_string(header.size()) + " fields, found " + std::to_string(f.size()));
    Target t{f[0], 0, f[2], f[3], f[4], f[5], f[6]};
    const char* b = f[1].data();
    auto [p, ec] = std::from_chars(b, b + f[1].size(), t.value);
    if (ec != std::errc() || p != b + f[1].size()) continue;  // a date or text figure: not a numeric target
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace chipsim

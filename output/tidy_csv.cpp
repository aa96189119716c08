#include "output/tidy_csv.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace chipsim {

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

std::string csv_number(double value, bool precise) {
  if (std::isnan(value)) return "";
  char buf[40];
  if (!precise) {
    std::snprintf(buf, sizeof buf, "%.6g", value);
    return buf;
  }
  for (int digits = 6; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, value);
    if (std::strtod(buf, nullptr) == value) break;
  }
  return buf;
}

void csv_record(std::ostream& out, const std::vector<std::string>& fields) {
  for (std::size_t k = 0; k < fields.size(); ++k) out << (k ? "," : "") << fields[k];
  out << "\n";
}

}  // namespace chipsim

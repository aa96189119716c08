#include "sim/core/calendar.hpp"

#include <charconv>
#include <cstdio>

namespace chipsim {

std::string Month::to_string() const {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", year, month);
  return buf;
}

namespace {
bool parse_int(std::string_view s, int& out) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}
}  // namespace

std::optional<Month> parse_month(std::string_view text) {
  if (text.size() != 7 && text.size() != 10) return std::nullopt;
  if (text[4] != '-') return std::nullopt;
  Month m;
  if (!parse_int(text.substr(0, 4), m.year) || !parse_int(text.substr(5, 2), m.month)) return std::nullopt;
  if (m.month < 1 || m.month > 12 || m.year < 1900 || m.year > 2200) return std::nullopt;
  if (text.size() == 10) {
    int day = 0;
    if (text[7] != '-' || !parse_int(text.substr(8, 2), day) || day < 1 || day > 31) return std::nullopt;
  }
  return m;
}

long days_since_epoch(Month m) {
  // Howard Hinnant's days_from_civil for day 1 of the month.
  int y = m.year - (m.month <= 2 ? 1 : 0);
  const long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned mp = static_cast<unsigned>(m.month + (m.month > 2 ? -3 : 9));
  const unsigned doy = (153 * mp + 2) / 5;  // day 1 -> +0
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long>(doe) - 719468;
}

int Calendar::period_nearest(Month m) const {
  const int d = m.serial() - start.serial();
  if (d < 0) return -1;
  const int p = (d + (months_per_period - 1) / 2) / months_per_period;
  return p >= n_periods() ? n_periods() : p;
}

int Calendar::period_of(Month m) const {
  const int d = m.serial() - start.serial();
  if (d < 0) return -1;
  const int p = d / months_per_period;
  return p >= n_periods() ? n_periods() : p;
}

}  // namespace chipsim

#pragma once
// Calendar months and the period grid of a run (docs/SPEC.md §2).
#include <optional>
#include <string>
#include <string_view>

namespace chipsim {

// A calendar month. Policy dates given to the day ("2022-10-07") take effect in that month.
struct Month {
  int year = 2022;
  int month = 1;  // 1..12

  int serial() const { return year * 12 + (month - 1); }  // months since year 0
  static Month from_serial(int serial) { return Month{serial / 12, serial % 12 + 1}; }
  std::string to_string() const;  // "YYYY-MM"
  auto operator<=>(const Month&) const = default;
};

// Parses "YYYY-MM" or "YYYY-MM-DD"; std::nullopt when malformed.
std::optional<Month> parse_month(std::string_view text);

// Days from 1970-01-01 to the first day of a month (proleptic Gregorian), for CF time axes.
long days_since_epoch(Month m);

// The period grid: monthly or quarterly steps from start to horizon (inclusive).
struct Calendar {
  Month start;
  Month horizon;
  int months_per_period = 1;  // 1 = month, 3 = quarter

  int n_periods() const { return (horizon.serial() - start.serial()) / months_per_period + 1; }
  Month month_of(int period) const { return Month::from_serial(start.serial() + period * months_per_period); }
  // Period containing a month, or -1 before the start / n_periods() after the horizon.
  int period_of(Month m) const;
  // Period whose first month is nearest to a month (dated events): monthly runs, that month;
  // quarterly runs, a date in a quarter's first or second month falls in that quarter and one in
  // its third month in the next (an event moves by at most a month, either way, on average by
  // none). -1 before the start, n_periods() after the horizon.
  int period_nearest(Month m) const;
  std::string label(int period) const { return month_of(period).to_string(); }
};

}  // namespace chipsim

#include <catch2/catch.hpp>

#include "sim/core/calendar.hpp"

using namespace chipsim;

TEST_CASE("months parse from YYYY-MM and YYYY-MM-DD and reject malformed dates", "[calendar]") {
  CHECK(parse_month("2022-10") == Month{2022, 10});
  CHECK(parse_month("2022-10-07") == Month{2022, 10});
  CHECK_FALSE(parse_month("2022-13"));
  CHECK_FALSE(parse_month("2022-00"));
  CHECK_FALSE(parse_month("22-10"));
  CHECK_FALSE(parse_month("2022/10"));
  CHECK_FALSE(parse_month("2022-10-32"));
  CHECK_FALSE(parse_month("2022-1x"));
}

TEST_CASE("CF day numbers match the proleptic Gregorian calendar", "[calendar]") {
  CHECK(days_since_epoch(Month{1970, 1}) == 0);
  CHECK(days_since_epoch(Month{1970, 2}) == 31);
  CHECK(days_since_epoch(Month{2000, 3}) == 11017);  // 2000 is a leap year
  CHECK(days_since_epoch(Month{2022, 1}) == 18993);
  CHECK(days_since_epoch(Month{1969, 12}) == -31);
}

TEST_CASE("monthly and quarterly calendars map months to periods", "[calendar]") {
  Calendar monthly{{2022, 1}, {2030, 12}, 1};
  CHECK(monthly.n_periods() == 108);
  CHECK(monthly.period_of({2022, 10}) == 9);
  CHECK(monthly.label(9) == "2022-10");
  CHECK(monthly.period_of({2021, 12}) == -1);
  CHECK(monthly.period_of({2031, 1}) == 108);

  Calendar quarterly{{2022, 1}, {2022, 12}, 3};
  CHECK(quarterly.n_periods() == 4);
  CHECK(quarterly.period_of({2022, 10}) == 3);
  CHECK(quarterly.period_of({2022, 6}) == 1);
  CHECK(quarterly.label(1) == "2022-04");
}

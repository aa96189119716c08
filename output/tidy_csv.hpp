#pragma once
// Tidy CSV for analysis tools (pandas, R, spreadsheets): RFC 4180 fields (quoted when they hold
// a comma, a quote or a line break; quotes doubled), missing values as empty fields (never "-"
// or "nan", which turn a numeric column into text), numbers with 17 significant digits at most
// as needed to round-trip.
#include <ostream>
#include <string>
#include <vector>

namespace chipsim {

// One field, quoted if it needs to be.
std::string csv_field(const std::string& text);
// A number as a field: empty if NaN; otherwise the shortest of %.6g .. %.17g that round-trips
// (`precise`), or %.6g.
std::string csv_number(double value, bool precise = false);
// Writes one record (fields already formatted by csv_field / csv_number) and a line break.
void csv_record(std::ostream& out, const std::vector<std::string>& fields);

}  // namespace chipsim

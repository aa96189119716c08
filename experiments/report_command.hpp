#pragma once
// `chipsim report RESULTS.h5 -o report.html`: one self-contained HTML page of a run, compare,
// batch, shard or deals file (summary with intervals, scenario differences, ASSUMPTION-marked
// keys, embedded figures, provenance). The page is made by output/report.py with matplotlib (a
// well-kept plotting library rather than chipsim's own drawing code); this command finds the
// script shipped with the binary and replaces itself with
//   $CHIPSIM_PYTHON (default /usr/bin/python3) report.py RESULTS -o OUT [--country C]
// so the exit status is the script's: 0 written, 1 unreadable input or unwritable output (nothing
// left behind), 2 bad arguments.
#include <string>

namespace chipsim {

struct ReportOptions {
  std::string results;  // results file (HDF5)
  std::string output;   // HTML file; empty: RESULTS with .html
  std::string country;  // focus country; empty: the file's
  std::string script;   // report.py; empty: looked up beside the binary
};

// Does not return on success (exec). Throws Error if the script or the Python interpreter cannot
// be found or started.
[[noreturn]] void exec_report(const ReportOptions& options);

}  // namespace chipsim

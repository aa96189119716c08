#include "experiments/report_command.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "sim/core/error.hpp"

namespace chipsim {

void exec_report(const ReportOptions& o) {
  namespace fs = std::filesystem;
  if (o.script.empty())
    throw Error("report: output/report.py was not found beside this binary (a build tree or <prefix>/share/chipsim)");
  const char* env = std::getenv("CHIPSIM_PYTHON");
  const std::string python = env && *env ? env : "/usr/bin/python3";
  std::error_code ec;
  if (!fs::is_regular_file(python, ec) || access(python.c_str(), X_OK) != 0)
    throw Error("report: needs " + python +
                " with h5py and matplotlib (Debian: python3 python3-h5py python3-matplotlib), or CHIPSIM_PYTHON set to one");
  std::vector<std::string> args{python, o.script, o.results};
  if (!o.output.empty()) args.insert(args.end(), {"-o", o.output});
  if (!o.country.empty()) args.insert(args.end(), {"--country", o.country});
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv(python.c_str(), argv.data());
  throw Error("report: cannot start " + python + ": " + std::strerror(errno));
}

}  // namespace chipsim

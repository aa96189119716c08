#include "sim/scenario/input_file.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "sim/core/error.hpp"

namespace chipsim {

std::string input_file_problem(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (st.type() == fs::file_type::not_found) return "file not found";
  if (ec) return "cannot be opened: " + ec.message();
  if (st.type() == fs::file_type::directory) return "is a folder, not a file";
  return "";
}

std::string read_input_file(const std::string& path, const std::string& kind) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path + ": cannot open the " + kind + " (does it exist and is it readable?)");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw IoError(path + ": error while reading the " + kind);
  return text.str();
}

}  // namespace chipsim

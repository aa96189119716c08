#include "sim/scenario/input_file.hpp"

#include <filesystem>
#include <system_error>

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

}  // namespace chipsim

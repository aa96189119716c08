#pragma once
// Checks a path named in an input file (a scenario's `extend.base`, an experiment's `base` and
// `scenario`, a deals file's `status_quo`) before it is read, without throwing: a missing file,
// a folder, a name too long for the file system or a permission problem each become the reason
// the caller reports at the key that named the path.
#include <string>

namespace chipsim {

// Why `path` cannot be read as an input file, or "" if it can.
std::string input_file_problem(const std::string& path);

// The whole text of an input file (an experiment, deals, sensitivity or calibration file).
// Throws IoError "<path>: cannot open the <kind> (...)" or a read error.
std::string read_input_file(const std::string& path, const std::string& kind);

}  // namespace chipsim

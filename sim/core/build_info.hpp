#pragma once
// Build provenance recorded in every output file (generated at build time).

#include <string>

namespace chipsim {

struct BuildInfo {
  const char* version;        // chipsim semantic version
  const char* git_revision;   // commit hash, "-dirty" when the tree had local changes
  const char* build_type;     // CMake build type
  const char* arch;           // -march target of this binary
  const char* compiler;       // compiler id and version
  const char* libraries;      // versions of HDF5, Eigen, oneTBB, toml++
  const char* runtime;        // the C library (and libm, part of it) this process runs with
};

const BuildInfo& build_info();

// What makes two binaries' results comparable bit for bit: version, revision, build type, target
// ISA, compiler, library versions and the C library. One line.
std::string build_identity(const BuildInfo& b);

}  // namespace chipsim

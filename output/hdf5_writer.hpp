#pragma once
// Writes one run's recorded series as a self-describing, NetCDF-4-compatible HDF5 file
// (schema in output/SCHEMA.md): a coordinate variable per dimension made an HDF5 dimension
// scale and attached to every axis of every variable, an unlimited chunked time axis, CF
// attributes (units, long_name), and provenance attributes on the root group.
//
// The file is written to a temporary name beside the target and renamed into place only when
// complete, so an existing file is never left half-overwritten (full disk, crash, Ctrl-C).
// HDF5 calls are made from the calling thread only.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sim/core/model.hpp"
#include "sim/core/series.hpp"

namespace chipsim {

struct RunMetadata {
  std::uint64_t seed = 0;
  std::uint64_t run = 0;
  int threads = 0;               // threads used (results do not depend on it)
  std::string started_utc;       // ISO 8601
  std::string finished_utc;      // ISO 8601
  std::string command_line;
  bool compress = false;         // deflate level 1 on every variable
  std::vector<std::pair<std::string, std::string>> extra_attributes;  // more root attributes
};

// Throws IoError naming the path on any failure; the target path is then untouched.
void write_run_file(const std::string& path, const Model& model, const Series& series, const RunMetadata& meta);

std::string utc_now_iso8601();

// Call once at program start, before any other HDF5 use. HDF5 1.10 keeps a file whose close
// failed (a full disk) in its open-file list and crashes on it in its atexit shutdown; every
// file chipsim writes is closed explicitly (and removed when its write failed), so the library
// is told not to run that shutdown. Also turns HDF5's own error printing off: failures are
// reported as IoError naming the file.
void init_hdf5_library();

}  // namespace chipsim

#pragma once
// Temporary output files (`<output>.tmp-<pid>`) that must not outlive the process: while a file
// is being written its temporary name is registered, so that a SIGINT/SIGTERM handler can remove
// it (remove_registered_temp_files is async-signal-safe), and a later write of the same output
// removes the leftovers of a process that was killed outright (SIGKILL, power loss).
#include <string>

namespace chipsim {

// Registers `path` for removal on interrupt while this object lives (at most 8 at once; more are
// not registered and are only removed by the write's own error path).
class TempFileRegistration {
 public:
  explicit TempFileRegistration(const std::string& path);
  ~TempFileRegistration();
  TempFileRegistration(const TempFileRegistration&) = delete;
  TempFileRegistration& operator=(const TempFileRegistration&) = delete;

 private:
  int slot_ = -1;
};

// Unlinks every registered temporary file. Async-signal-safe (unlink only).
void remove_registered_temp_files() noexcept;

// Removes `<output>.tmp-<pid>` files beside `output` whose process no longer exists (never those
// of a live process, which may be writing the same output now). Returns how many it removed.
int remove_stale_temp_files(const std::string& output);

// Writes a text file atomically like the HDF5 outputs (hdf5_util.hpp write_atomically): into
// `<path>.tmp-<pid>` (registered for removal on SIGINT/SIGTERM; a killed writer's leftovers are
// removed first), flushed, then renamed into place; a file already at `path` is untouched on any
// error. Throws IoError naming `path` and `what` (e.g. "the calibrated scenario").
void write_text_atomically(const std::string& path, const std::string& text, const std::string& what);

}  // namespace chipsim

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

}  // namespace chipsim

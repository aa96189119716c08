#include "output/temp_files.hpp"

#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "sim/core/error.hpp"

namespace chipsim {

namespace {

constexpr std::size_t kSlots = 8;
constexpr std::size_t kPathMax = 4096;
// Slot state: 0 free, 1 being filled, 2 holds a path to remove on interrupt.
std::array<std::atomic<int>, kSlots> g_state{};
std::array<std::array<char, kPathMax>, kSlots> g_paths{};

}  // namespace

TempFileRegistration::TempFileRegistration(const std::string& path) {
  if (path.size() >= kPathMax) return;
  for (std::size_t k = 0; k < kSlots; ++k) {
    int expected = 0;
    if (!g_state[k].compare_exchange_strong(expected, 1)) continue;
    std::memcpy(g_paths[k].data(), path.c_str(), path.size() + 1);
    g_state[k].store(2, std::memory_order_release);
    slot_ = static_cast<int>(k);
    return;
  }
}

TempFileRegistration::~TempFileRegistration() {
  if (slot_ >= 0) g_state[static_cast<std::size_t>(slot_)].store(0, std::memory_order_release);
}

void remove_registered_temp_files() noexcept {
  for (std::size_t k = 0; k < kSlots; ++k)
    if (g_state[k].load(std::memory_order_acquire) == 2) ::unlink(g_paths[k].data());
}

void write_text_atomically(const std::string& path, const std::string& text, const std::string& what) {
  namespace fs = std::filesystem;
  remove_stale_temp_files(path);
  const std::string tmp = path + ".tmp-" + std::to_string(static_cast<long>(::getpid()));
  TempFileRegistration interruptible(tmp);
  std::error_code ec;
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    if (!out.flush()) {
      fs::remove(tmp, ec);
      throw IoError(path + ": cannot write " + what + " (does the folder exist, is the disk full?)");
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw IoError(path + ": cannot move " + what + " into place: " + ec.message());
  }
}

int remove_stale_temp_files(const std::string& output) {
  namespace fs = std::filesystem;
  const fs::path out(output);
  const fs::path dir = out.has_parent_path() ? out.parent_path() : fs::path(".");
  const std::string prefix = out.filename().string() + ".tmp-";
  int removed = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    long pid = 0;
    const char* first = name.data() + prefix.size();
    const char* last = name.data() + name.size();
    const auto [end, err] = std::from_chars(first, last, pid);
    if (err != std::errc() || end != last || pid <= 0) continue;
    if (pid == static_cast<long>(::getpid())) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // alive (or not ours to probe)
    std::error_code rm;
    if (fs::remove(e.path(), rm)) ++removed;
  }
  return removed;
}

}  // namespace chipsim

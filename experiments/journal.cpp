#include "experiments/journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <boost/crc.hpp>
#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "sim/core/error.hpp"

namespace chipsim {

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kMagic = 0x63686970'73696d32ULL;  // "chipsim2"
using Crc32c = boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true>;

std::uint64_t checksum(std::uint64_t index, std::uint64_t count, const double* data) {
  Crc32c crc;
  crc.process_bytes(&index, sizeof index);
  crc.process_bytes(&count, sizeof count);
  crc.process_bytes(data, count * sizeof(double));
  return crc.checksum();
}

fs::path record_path(const std::string& dir, int index) { return fs::path(dir) / (std::to_string(index) + ".run"); }

// Reads a record; returns an empty string if it is valid (data filled), else the reason.
std::string read_record(const fs::path& path, int expected_index, std::size_t run_size, std::vector<double>& data) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot be opened";
  std::uint64_t header[4] = {0, 0, 0, 0};
  in.read(reinterpret_cast<char*>(header), sizeof header);
  if (!in) return "is truncated (no complete header)";
  if (header[0] != kMagic) return "is not a chipsim journal record of this format";
  if (expected_index >= 0 && header[1] != static_cast<std::uint64_t>(expected_index)) return "holds another run's index";
  if (header[2] != run_size)
    return "holds " + std::to_string(header[2]) + " values, the batch layout " + std::to_string(run_size);
  data.assign(run_size, 0.0);
  in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(run_size * sizeof(double)));
  if (!in) return "is truncated";
  if (in.peek() != std::char_traits<char>::eof()) return "has trailing bytes";
  if (checksum(header[1], header[2], data.data()) != header[3]) return "fails its checksum (damaged)";
  return "";
}

}  // namespace

Journal::Journal(std::string dir, const std::string& identity, bool resume) : dir_(std::move(dir)) {
  std::error_code probe;
  const bool existed = fs::exists(dir_, probe);
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw IoError(dir_ + ": cannot create the batch journal: " + ec.message());
  const std::string lock = (fs::path(dir_) / "lock").string();
  lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) throw IoError(lock + ": cannot open the journal lock: " + std::strerror(errno));
  auto fail = [&](const std::string& message) {
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw IoError(message);
  };
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err == EWOULDBLOCK)
      fail(dir_ + ": another chipsim process is running this batch now (its journal is locked); wait for it, or stop it first");
    if (err == ENOSYS || err == ENOLCK || err == EOPNOTSUPP || err == EINVAL)
      // A file system without flock (Lustre mounted noflock, NFS without a lock daemon): run
      // unlocked rather than not at all, and say so.
      std::cerr << "chipsim: warning: " << lock << ": the file system does not support locks (" << std::strerror(err)
                << "); two --resume on this journal at once would not be refused\n";
    else
      fail(lock + ": cannot lock the journal: " + std::strerror(err));
  }
  if (existed && !resume)
    fail(dir_ + ": a journal of an interrupted batch exists; add --resume to finish it, or delete it");
  // Leftovers of a writer killed mid-record: we hold the lock, so no live process owns them.
  for (const auto& e : fs::directory_iterator(dir_, ec))
    if (e.path().extension() == ".tmp") fs::remove(e.path(), ec);
  // The journal remembers the experiment and every variant's resolved scenario: resuming after
  // either changed would mix two models in one file.
  const fs::path marker = fs::path(dir_) / "experiment.toml";
  if (fs::exists(marker, ec)) {
    std::ifstream in(marker);
    std::ostringstream s;
    s << in.rdbuf();
    if (s.str() != identity) {
      // Name what differs: the build (first line) or the experiment and its scenarios.
      const std::string stored = s.str();
      const auto line_of = [](const std::string& t) { return t.substr(0, t.find('\n')); };
      if (line_of(stored) != line_of(identity) && stored.substr(stored.find('\n') + 1) == identity.substr(identity.find('\n') + 1))
        fail(dir_ + ": the journal was written by another build of chipsim (" + line_of(stored).substr(9) +
             "); finish it with that binary, or delete the journal to start again with this one");
      fail(dir_ + ": the journal belongs to a different experiment or the variants' scenarios have changed since");
    }
  } else {
    const fs::path tmp = fs::path(dir_) / "experiment.toml.tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << identity;
      out.flush();
      if (!out) {
        out.close();
        fs::remove(tmp, ec);
        fail(tmp.string() + ": cannot write the journal (disk full?)");
      }
    }
    fs::rename(tmp, marker, ec);
    if (ec) fail(marker.string() + ": cannot write the journal: " + ec.message());
  }
}

Journal::~Journal() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

std::vector<int> Journal::scan(std::size_t run_size) const {
  std::vector<int> done;
  std::error_code ec;
  std::vector<double> data;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    if (e.path().extension() != ".run") continue;
    const std::string stem = e.path().stem().string();
    char* end = nullptr;
    const long index = std::strtol(stem.c_str(), &end, 10);
    std::string why;
    if (stem.empty() || *end != '\0' || index < 0 || index > INT32_MAX || std::to_string(index) != stem)
      why = "is not named after a run index";
    else
      why = read_record(e.path(), static_cast<int>(index), run_size, data);
    if (!why.empty()) {
      std::cerr << "chipsim: warning: journal record " << e.path().string() << " " << why << "; its run will be re-run\n";
      fs::remove(e.path(), ec);
      continue;
    }
    done.push_back(static_cast<int>(index));
  }
  std::sort(done.begin(), done.end());
  return done;
}

void Journal::write(int index, const std::vector<double>& data) const {
  const fs::path final_path = record_path(dir_, index);
  const fs::path tmp = fs::path(dir_) / (std::to_string(index) + ".run.tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    const std::uint64_t header[4] = {kMagic, static_cast<std::uint64_t>(index), data.size(),
                                     checksum(static_cast<std::uint64_t>(index), data.size(), data.data())};
    out.write(reinterpret_cast<const char*>(header), sizeof header);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size() * sizeof(double)));
    out.flush();
    if (!out) {
      out.close();
      std::error_code ec;
      fs::remove(tmp, ec);
      throw IoError(tmp.string() + ": cannot write the journal (disk full?)");
    }
  }
  std::error_code ec;
  fs::rename(tmp, final_path, ec);
  if (ec) throw IoError(final_path.string() + ": cannot write the journal: " + ec.message());
}

std::vector<double> Journal::read(int index, std::size_t run_size) const {
  std::vector<double> data;
  const fs::path path = record_path(dir_, index);
  if (const std::string why = read_record(path, index, run_size, data); !why.empty())
    throw IoError(path.string() + ": journal record " + why + "; resume the batch (--resume) to re-run it");
  return data;
}

void Journal::remove() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
  if (lock_fd_ >= 0) ::close(lock_fd_);
  lock_fd_ = -1;
}

}  // namespace chipsim

#pragma once
// The journal of a batch (`<output>.journal/`): one record per finished run, so that a killed
// batch resumes where it stopped and the results file is written from disk, not from memory.
//
// Record `<index>.run`: a header of four uint64 in native byte order — magic "chipsim2", run index,
// number of doubles, CRC-32C (Castagnoli, Boost.CRC) over index, count and data — then the data.
// Each record is written to `<index>.run.tmp` and renamed, so a record is either whole or absent;
// the checksum catches damage after the fact (a flipped bit, a truncated copy). A damaged record
// is reported, removed and its run re-run, never merged.
//
// One process at a time: the journal holds an advisory lock (flock on `<journal>/lock`) for as
// long as a Journal object lives; a second batch or `--resume` on it is refused at once.
#include <cstdint>
#include <string>
#include <vector>

namespace chipsim {

class Journal {
 public:
  // Opens (creating it if needed) and locks the journal directory, and checks that it belongs
  // to `identity` (the experiment text and its variants' resolved scenarios), which it records
  // in a new journal. Removes leftover `.run.tmp` files of a killed writer. Throws IoError if the
  // journal exists and !resume, if another process holds it, or if it belongs to another
  // experiment.
  Journal(std::string dir, const std::string& identity, bool resume);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Indices of the valid records of `run_size` doubles, ascending. Damaged or foreign records
  // are reported on stderr (file and reason) and removed, so that their runs are re-run.
  std::vector<int> scan(std::size_t run_size) const;
  // Writes run `index`'s record atomically (temporary file, fsync-free rename). Thread-safe for
  // distinct indices. Throws IoError (disk full, unwritable).
  void write(int index, const std::vector<double>& data) const;
  // Reads and verifies run `index`'s record. Throws IoError naming the file if it is missing,
  // of another size, or fails its checksum.
  std::vector<double> read(int index, std::size_t run_size) const;
  // Deletes the journal (after the results file is in place); releases the lock.
  void remove();
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  int lock_fd_ = -1;
};

}  // namespace chipsim

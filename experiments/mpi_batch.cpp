// MPI driver of `chipsim batch` (built when CMake finds MPI). Rank 0 keeps the batch's books
// (journal, resume, results file); the other ranks ask for work, one run at a time, and send
// back its data: dynamic load balancing, so slow runs do not hold up a static partition.
// Each run is deterministic, so the file does not depend on the number of ranks.
#include <mpi.h>

#include "experiments/batch.hpp"

namespace chipsim {

namespace {
constexpr int kTagWork = 1;    // rank 0 -> worker: run index, or -1 to stop
constexpr int kTagResult = 2;  // worker -> rank 0: [index, data...] (index -1: first request)
}  // namespace

bool mpi_available() { return true; }

int run_batch_mpi(const ExperimentSpec& spec, const BatchOptions& options) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size == 1) return rank == 0 ? run_batch(spec, options) : 0;

  if (rank != 0) {  // worker
    const BatchLayout layout = batch_layout(spec);
    std::vector<double> message(layout.run_size() + 1, 0.0);
    message[0] = -1;
    for (;;) {
      MPI_Send(message.data(), static_cast<int>(message.size()), MPI_DOUBLE, 0, kTagResult, MPI_COMM_WORLD);
      int index = -1;
      MPI_Recv(&index, 1, MPI_INT, 0, kTagWork, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      if (index < 0) return 0;
      const std::vector<double> data = execute_run(spec, layout, spec.runs[static_cast<std::size_t>(index)]);
      if (data.size() + 1 != message.size()) throw Error("batch: a run's data does not fit the batch layout");
      message[0] = index;
      std::copy(data.begin(), data.end(), message.begin() + 1);
    }
  }

  BatchSession session(spec, options);
  session.announce_resume_note();
  const std::vector<int>& pending = session.pending();
  Progress progress(static_cast<int>(pending.size()), options.progress);
  std::vector<double> message(session.layout().run_size() + 1);
  std::size_t next = 0;
  int active = size - 1, done = 0;
  bool stopped = false;
  while (active > 0) {
    MPI_Status status;
    MPI_Recv(message.data(), static_cast<int>(message.size()), MPI_DOUBLE, MPI_ANY_SOURCE, kTagResult, MPI_COMM_WORLD, &status);
    if (message[0] >= 0) {
      session.record(static_cast<int>(message[0]), std::vector<double>(message.begin() + 1, message.end()));
      progress.tick();
      if (options.stop_after > 0 && ++done >= options.stop_after) stopped = true;
    }
    int index = -1;
    if (!stopped && next < pending.size()) index = pending[next++];
    MPI_Send(&index, 1, MPI_INT, status.MPI_SOURCE, kTagWork, MPI_COMM_WORLD);
    if (index < 0) --active;
  }
  if (stopped) return options.stop_after;
  session.finish(size);
  return static_cast<int>(pending.size());
}

}  // namespace chipsim

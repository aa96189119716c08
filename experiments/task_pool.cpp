#include "experiments/task_pool.hpp"

#include <tbb/parallel_for.h>

#include "sim/core/error.hpp"

#include <algorithm>
#include <exception>

#ifdef CHIPSIM_WITH_MPI
#include <mpi.h>
#endif

namespace chipsim {

namespace {
// Whether MPI is in use now (initialised and not yet finalised).
bool mpi_running() {
#ifdef CHIPSIM_WITH_MPI
  int initialised = 0, finalised = 0;
  MPI_Initialized(&initialised);
  MPI_Finalized(&finalised);
  return initialised && !finalised;
#else
  return false;
#endif
}
}  // namespace

int task_pool_rank() {
  int rank = 0;
#ifdef CHIPSIM_WITH_MPI
  if (mpi_running()) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
#endif
  return rank;
}

int task_pool_size() {
  int size = 1;
#ifdef CHIPSIM_WITH_MPI
  if (mpi_running()) MPI_Comm_size(MPI_COMM_WORLD, &size);
#endif
  return size;
}

std::string broadcast_text(const std::string& text_on_rank0) {
#ifdef CHIPSIM_WITH_MPI
  if (task_pool_size() > 1) {
    unsigned long long size = text_on_rank0.size();
    MPI_Bcast(&size, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    std::string text = task_pool_rank() == 0 ? text_on_rank0 : std::string(size, '\0');
    for (unsigned long long done = 0; done < size;) {  // in pieces below INT_MAX
      const int piece = static_cast<int>(std::min<unsigned long long>(size - done, 1ULL << 30));
      MPI_Bcast(text.data() + done, piece, MPI_CHAR, 0, MPI_COMM_WORLD);
      done += static_cast<unsigned long long>(piece);
    }
    return text;
  }
#endif
  return text_on_rank0;
}

std::vector<std::vector<double>> run_tasks(std::size_t n, std::size_t width,
                                           const std::function<std::vector<double>(std::size_t)>& task) {
  const auto rank = static_cast<std::size_t>(task_pool_rank()), size = static_cast<std::size_t>(task_pool_size());
  // This rank's tasks: rank, rank + size, ...
  std::vector<std::size_t> mine;
  for (std::size_t i = rank; i < n; i += size) mine.push_back(i);
  std::vector<double> local(mine.size() * width);
  std::exception_ptr failure;
  try {
    tbb::parallel_for(std::size_t{0}, mine.size(), [&](std::size_t k) {
      const std::vector<double> r = task(mine[k]);
      if (r.size() != width) throw Error("task pool: a task returned " + std::to_string(r.size()) + " numbers, not " + std::to_string(width));
      std::copy(r.begin(), r.end(), local.begin() + static_cast<std::ptrdiff_t>(k * width));
    });
  } catch (...) {
    failure = std::current_exception();
  }
#ifdef CHIPSIM_WITH_MPI
  if (size > 1) {  // every rank learns whether any failed before anyone gathers
    int mine_failed = failure ? 1 : 0, any_failed = 0;
    MPI_Allreduce(&mine_failed, &any_failed, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (any_failed && !failure) throw Error("task pool: a task failed on another MPI rank (its error is reported there)");
  }
#endif
  if (failure) std::rethrow_exception(failure);
  std::vector<std::vector<double>> out(n, std::vector<double>(width));
  if (size == 1) {
    for (std::size_t k = 0; k < mine.size(); ++k)
      std::copy(local.begin() + static_cast<std::ptrdiff_t>(k * width), local.begin() + static_cast<std::ptrdiff_t>((k + 1) * width),
                out[mine[k]].begin());
    return out;
  }
#ifdef CHIPSIM_WITH_MPI
  // Gather every rank's block (rank r holds tasks r, r + size, ...).
  std::vector<int> counts(size), displs(size);
  for (std::size_t r = 0, offset = 0; r < size; ++r) {
    const std::size_t tasks = r < n ? (n - r + size - 1) / size : 0;
    counts[r] = static_cast<int>(tasks * width);
    displs[r] = static_cast<int>(offset);
    offset += tasks * width;
  }
  std::vector<double> all(n * width);
  MPI_Allgatherv(local.data(), static_cast<int>(local.size()), MPI_DOUBLE, all.data(), counts.data(), displs.data(), MPI_DOUBLE,
                 MPI_COMM_WORLD);
  for (std::size_t r = 0; r < size; ++r) {
    std::size_t k = 0;
    for (std::size_t i = r; i < n; i += size, ++k)
      std::copy(all.begin() + displs[r] + static_cast<std::ptrdiff_t>(k * width),
                all.begin() + displs[r] + static_cast<std::ptrdiff_t>((k + 1) * width), out[i].begin());
  }
#endif
  return out;
}

}  // namespace chipsim

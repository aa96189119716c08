// MPI driver of `chipsim batch` (built when CMake finds MPI). Rank 0 keeps the batch's books
// (journal, resume, results file) and works too; every rank runs `threads` runs at a time
// (oneTBB; default: the cores its affinity mask allows). Work is handed out dynamically, a
// rank's worth of runs per request, so slow runs do not hold up a static partition. Each run is
// deterministic, so the file does not depend on the number of ranks or threads.
//
// The coordinator (rank 0's main thread) never spins: it polls with MPI_Iprobe and sleeps
// 200 microseconds when there is nothing to do, so it costs no core. Only that thread calls MPI
// (MPI_THREAD_FUNNELED); rank 0's runs execute on threads of their own beside it.
#include <mpi.h>
#include <sched.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>

#include <atomic>
#include <exception>
#include <mutex>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "experiments/batch.hpp"

namespace chipsim {

namespace {
constexpr int kTagRequest = 1;  // worker -> rank 0: int, how many runs it can take now
constexpr int kTagWork = 2;     // rank 0 -> worker: int[k] run indices (k == 0: stop)
constexpr int kTagResult = 3;   // worker -> rank 0: double[1 + run size] = [index, data...]

// Cores this process may run on (its affinity mask; Open MPI binds each rank to one core by
// default when there are at most two ranks).
int allowed_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return static_cast<int>(std::thread::hardware_concurrency());
  return CPU_COUNT(&set);
}

// Threads this rank uses, with a warning when its affinity mask leaves fewer cores than asked
// for, or leaves cores of the node idle.
int rank_threads(const BatchOptions& options, int rank) {
  const int cores = allowed_cores();
  const int hardware = static_cast<int>(std::thread::hardware_concurrency());
  const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
  const int ranks_here = local ? std::max(1, std::atoi(local)) : 1;
  if (options.threads > cores)
    std::cerr << "chipsim: warning: rank " << rank << " asked for " << options.threads << " threads but its affinity mask allows "
              << cores << " core(s); the threads would share them. Launch with e.g. `mpirun --map-by slot:PE="
              << options.threads << " -np N` (Open MPI) or `srun --cpus-per-task=" << options.threads
              << "` (Slurm), or `--bind-to none`\n";
  else if (options.threads == 0 && rank == 0 && cores * ranks_here < hardware)
    std::cerr << "chipsim: warning: " << ranks_here << " rank(s) on this node bound to " << cores << " core(s) each leave "
              << hardware - cores * ranks_here << " of its " << hardware
              << " cores idle; give each rank more (mpirun --map-by slot:PE=K, srun --cpus-per-task=K) or start more ranks\n";
  return options.threads > 0 ? options.threads : std::max(1, cores);
}

void worker(const ExperimentSpec& spec, int threads) {
  const BatchLayout layout = batch_layout(spec);
  ModelCache models(spec);
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  std::vector<int> indices(static_cast<std::size_t>(threads));
  std::vector<std::vector<double>> messages(static_cast<std::size_t>(threads));
  for (;;) {
    MPI_Send(&threads, 1, MPI_INT, 0, kTagRequest, MPI_COMM_WORLD);
    MPI_Status status;
    MPI_Recv(indices.data(), threads, MPI_INT, 0, kTagWork, MPI_COMM_WORLD, &status);
    int k = 0;
    MPI_Get_count(&status, MPI_INT, &k);
    if (k == 0) return;
    tbb::parallel_for(0, k, [&](int n) {
      const auto u = static_cast<std::size_t>(n);
      const RunSpec& run = spec.runs[static_cast<std::size_t>(indices[u])];
      std::vector<double> data = execute_run(*models.get(run), layout, run);
      if (data.size() != layout.run_size()) throw Error("batch: a run's data does not fit the batch layout");
      messages[u].assign(1, static_cast<double>(indices[u]));
      messages[u].insert(messages[u].end(), data.begin(), data.end());
    });
    for (int n = 0; n < k; ++n)
      MPI_Send(messages[static_cast<std::size_t>(n)].data(), static_cast<int>(messages[static_cast<std::size_t>(n)].size()),
               MPI_DOUBLE, 0, kTagResult, MPI_COMM_WORLD);
  }
}
}  // namespace

bool mpi_available() { return true; }

int run_batch_mpi(const ExperimentSpec& spec, const BatchOptions& options) {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int threads = rank_threads(options, rank);
  if (size == 1) {
    BatchOptions one = options;
    one.threads = threads;
    return rank == 0 ? run_batch(spec, one) : 0;
  }
  if (rank != 0) {
    worker(spec, threads);
    return 0;
  }

  BatchSession session(spec, options);
  session.announce_resume_note();
  const std::vector<int>& pending = session.pending();
  Progress progress(static_cast<int>(pending.size()), options.progress);
  ModelCache models(spec);
  std::atomic<std::size_t> next{0};  // next pending run to hand out (to a rank or to rank 0's threads)
  std::atomic<int> done{0};
  std::atomic<bool> stopped{false};
  auto take = [&]() -> int {
    if (stopped) return -1;
    const std::size_t n = next++;
    return n < pending.size() ? pending[n] : -1;
  };
  auto finished = [&] {
    progress.tick();
    if (options.stop_after > 0 && ++done >= options.stop_after) stopped = true;
  };

  // Rank 0's own share: `threads` threads take runs from the same queue. Plain threads, not TBB
  // tasks: under a one-core affinity mask TBB's arena has no worker beside this (coordinating)
  // thread, so its tasks would wait for the coordinator. A run's own TBB loops get one thread.
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
  std::exception_ptr local_error;
  std::mutex error_mutex;
  std::vector<std::thread> local;
  for (int t = 0; t < threads; ++t)
    local.emplace_back([&] {
      try {
        for (int index; (index = take()) >= 0;) {
          const RunSpec& run = spec.runs[static_cast<std::size_t>(index)];
          session.record(run.index, execute_run(*models.get(run), session.layout(), run));
          finished();
        }
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!local_error) local_error = std::current_exception();
        stopped = true;
      }
    });

  // The coordinator: answer requests, journal results; sleep when idle.
  std::vector<double> message(session.layout().run_size() + 1);
  std::vector<int> work;
  int active = size - 1;
  while (active > 0) {
    int flag = 0;
    MPI_Status status;
    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status);
    if (!flag) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      continue;
    }
    if (status.MPI_TAG == kTagResult) {
      MPI_Recv(message.data(), static_cast<int>(message.size()), MPI_DOUBLE, status.MPI_SOURCE, kTagResult, MPI_COMM_WORLD,
               MPI_STATUS_IGNORE);
      try {
        session.record(static_cast<int>(message[0]), std::vector<double>(message.begin() + 1, message.end()));
        finished();
      } catch (...) {
        // A journal write failed (full disk): stop handing out work, let rank 0's threads finish,
        // then report it (the command line aborts the other ranks).
        std::lock_guard lock(error_mutex);
        if (!local_error) local_error = std::current_exception();
        stopped = true;
      }
      continue;
    }
    int wanted = 0;
    MPI_Recv(&wanted, 1, MPI_INT, status.MPI_SOURCE, kTagRequest, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    work.clear();
    for (int k = 0; k < wanted; ++k) {
      const int index = take();
      if (index < 0) break;
      work.push_back(index);
    }
    MPI_Send(work.data(), static_cast<int>(work.size()), MPI_INT, status.MPI_SOURCE, kTagWork, MPI_COMM_WORLD);
    if (work.empty()) --active;
  }
  for (std::thread& t : local) t.join();
  if (local_error) std::rethrow_exception(local_error);
  if (stopped) return options.stop_after;
  session.finish(size);
  return static_cast<int>(pending.size());
}

}  // namespace chipsim

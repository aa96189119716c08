#pragma once
// Runs independent tasks on this process's threads (oneTBB) and, when the program runs under
// MPI with more than one rank, across ranks: task i runs on rank i mod size, and every rank
// receives every result (MPI_Allgatherv), in task order. Results therefore do not depend on the
// number of threads or ranks. Used by `chipsim calibrate` and `chipsim sensitivity`, whose
// every rank follows the same deterministic search and so needs every result.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace chipsim {

// task(i) returns `width` numbers. Throws what a task throws (on this rank), or Error when a
// task returns a result of another width. Under MPI every rank throws when any rank's task
// failed (the others with "a task failed on another rank"), so no rank is left waiting in the
// gather.
std::vector<std::vector<double>> run_tasks(std::size_t n, std::size_t width,
                                           const std::function<std::vector<double>(std::size_t)>& task);

// Rank 0's text, on every rank (MPI_Bcast); the text itself without MPI.
std::string broadcast_text(const std::string& text_on_rank0);

// This process's rank and the number of ranks (0 and 1 without MPI or before MPI_Init).
int task_pool_rank();
int task_pool_size();

}  // namespace chipsim

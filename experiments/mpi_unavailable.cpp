// Built without MPI (CMake found none): `chipsim batch` under mpirun says so instead of
// running the whole batch on every rank.
#include "experiments/batch.hpp"
#include "sim/core/error.hpp"

namespace chipsim {

bool mpi_available() { return false; }

int run_batch_mpi(const ExperimentSpec&, const BatchOptions&) {
  throw Error("this chipsim was built without MPI (install libopenmpi-dev and rebuild); use --shard i/n for clusters");
}

}  // namespace chipsim

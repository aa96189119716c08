#pragma once
// `chipsim bench`: the performance figures of the project, measured side by side in one run
// (medians over repeats): single-run wall time of a scenario, batch throughput with 1 and 2
// threads and their ratio, per-period time of a synthetic world of many AI firms and products,
// the fixed-point passes per period when capacity binds on most products against slack capacity,
// and HDF5 write throughput next to the raw disk write speed of the same bytes.
#include <ostream>
#include <string>

namespace chipsim {

struct BenchOptions {
  std::string scenario;        // for the single-run and batch figures
  int repeats = 5;             // medians over this many repeats
  int batch_runs = 40;         // runs per throughput measurement
  int synthetic_ai_firms = 100000;
  int synthetic_products = 200;
  int synthetic_periods = 6;    // the first starts cold; the median is over the other five
  // The capacity-bound world: as the synthetic world with this many products, where most output
  // ceilings bind, against the same world with ceilings 1,000x higher (0 = skip).
  int capacity_products = 1000;
  // The same pair again with every firm's unit cost falling by Wright's law at this rate per
  // doubling (0.10: most of history's accelerator makers), so that prices move from period to
  // period with slack capacity too; 0 = skip the pair.
  double capacity_learning_rate = 0.10;
  // A whole run of the synthetic world over this many periods (0 = skip): its peak resident
  // memory, with the per-AI-firm series off (the default) and on.
  int memory_periods = 0;
  std::string scratch_dir = ".";  // where the write benchmark writes (and removes) its files
  double write_megabytes = 256;
};

void run_benchmarks(const BenchOptions& options, std::ostream& out);

}  // namespace chipsim

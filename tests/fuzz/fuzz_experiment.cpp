// Fuzz target: the experiment loader (variants, baselines, sweeps; it also loads every variant).
#include "experiments/experiment_spec.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = chipsim::fuzz::write_input(data, size);
  chipsim::fuzz::expect_answer([&] { (void)chipsim::load_experiment(path); });
  return 0;
}

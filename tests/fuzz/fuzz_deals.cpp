// Fuzz target: the deal-file loader (terms, governments, and every deal's generated scenario).
#include "experiments/deals.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = chipsim::fuzz::write_input(data, size);
  chipsim::fuzz::expect_answer([&] { (void)chipsim::plan_deals(path); });
  return 0;
}

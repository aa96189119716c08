// Fuzz target: the scenario loader, `extend` included (an input may extend any shipped scenario
// by name, e.g. base = "history.toml").
#include <string>

#include "sim/scenario/scenario.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string file = std::string(CHIPSIM_SOURCE_DIR) + "/experiments/scenarios/fuzz_input.toml";
  chipsim::fuzz::expect_answer([&] { (void)chipsim::load_scenario_text(text, file); });
  return 0;
}

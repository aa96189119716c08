#pragma once
// The tariff-for-chips deal finder (docs/SPEC.md §7): sweeps a deal's terms — the highest HBM
// generation the US allows to China (from the origins in hbm_jurisdictions), a licence (approval
// certain) for accelerators with licence_tpp_min <= TPP < a ceiling, with its revenue share, China's tariff on US accelerators and its domestic-procurement mandate (the
// purchase commitment) — from a start date on top of a status-quo scenario. Every term set is
// run with the same replicate seeds as the status quo (common random numbers) and scored for
// both governments with their objective weights: the gain is the sum over periods from the
// start of (score under the deal - score under the status quo). The bargaining set is the set
// of deals both prefer on average (robust: both 95 % intervals above 0); the Nash bargaining
// solution maximises the product of the two mean gains over it (disagreement = status quo).
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "output/deals_file.hpp"
#include "sim/core/model.hpp"

namespace chipsim {

struct DealOptions {
  std::string spec_path, output_path, command_line;
  int threads = 0;
  bool progress = true;
};

// A deals file loaded and checked: the status quo, every deal's scenario (loaded), the two
// governments' country indices and the first scored period. Throws ScenarioError located in the
// deals file (a deal whose generated scenario is invalid is reported there too), IoError.
struct DealPlan {
  DealResults results;           // name, texts, governments, labels, terms and seeds filled
  Model status_quo;
  std::optional<Model> threat;   // the threat point (disagreement outcome), if the file names one
  std::vector<Model> models;     // per deal
  std::vector<int> gov_index;    // exporter, importer
  int first = 0;                 // first period scored
  int replicates = 1;
};
DealPlan plan_deals(const std::string& spec_path);

// Runs every deal and the status quo for every replicate and scores them (and writes the file
// when options.output_path is set).
DealResults find_deals(const DealOptions& options);
void print_deals(const DealResults& r, std::ostream& out, int top = 10);

}  // namespace chipsim

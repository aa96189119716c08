#pragma once
// The deal finder's results file (chipsim deals): every term set of a tariff-for-chips deal,
// its score gains for the two governments per replicate and summarised, the bargaining set and
// the Nash bargaining solution, with provenance.
#include <cstdint>
#include <string>
#include <vector>

namespace chipsim {

struct DealResults {
  std::string name, spec_file, spec_text, status_quo_text;
  std::vector<std::string> governments;             // two country codes
  std::vector<std::string> term_names;              // e.g. hbm_generation_max, licence_fee
  std::vector<std::string> deal_labels;             // readable term set per deal
  std::vector<std::vector<double>> deal_terms;      // (deal x term)
  std::vector<std::uint64_t> seeds;                 // per replicate
  std::vector<double> gain;                         // (deal x replicate x government)
  std::vector<double> mean, ci_low, ci_high;        // (deal x government)
  std::vector<int> in_bargaining_set, robust;       // per deal: both gain on average / both CIs above 0
  int nash = -1;                                    // index of the Nash bargaining solution, -1 if none
  // Against a threat point (the disagreement outcome, e.g. an escalation scenario), when the
  // deals file names one: the same quantities with the threat point in place of the status quo.
  std::string threat_file, threat_text;
  std::vector<double> gain_vs_threat, mean_vs_threat, ci_low_vs_threat, ci_high_vs_threat;
  std::vector<int> in_bargaining_set_vs_threat;
  int nash_vs_threat = -1;
};

void write_deals_file(const std::string& path, const DealResults& r, const std::string& command_line);

}  // namespace chipsim

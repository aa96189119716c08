#pragma once
// Export-control rules (docs/SPEC.md §3, Governments): which products a government bars or
// licenses to which destinations, by thresholds on product attributes.
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <optional>
#include <vector>

namespace chipsim {

// Product attributes that rules can test. NaN = not known (never matches a condition).
enum class Attribute : int {
  tpp = 0,                    // total processing performance (dense TOPS x bit length)
  perf_density,               // TPP per mm² of die area
  interconnect_GBps,          // chip-to-chip bandwidth, GB/s
  memory_bandwidth_GBps,      // DRAM bandwidth, GB/s
  hbm_stacks,                 // HBM stacks per unit
  bandwidth_density_GBps_mm2, // HBM bandwidth per mm² of package (HBM rule of Dec 2024)
  hbm_generation,             // HBM: index in parameters.hbm_generations (0 = oldest); rules may allow "up to" one
  count
};
inline constexpr int kAttributes = static_cast<int>(Attribute::count);
std::string_view attribute_name(Attribute a);
std::optional<Attribute> attribute_from_name(std::string_view name);

using ProductAttributes = std::array<double, kAttributes>;
inline ProductAttributes unknown_attributes() {
  ProductAttributes a;
  a.fill(std::numeric_limits<double>::quiet_NaN());
  return a;
}

enum class Comparison : int { ge, gt, le, lt };

struct Condition {
  Attribute attribute = Attribute::tpp;
  Comparison comparison = Comparison::ge;
  double threshold = 0;
  bool holds(const ProductAttributes& a) const;
};

// A prong matches when all its conditions hold (and, if it names products, the product is
// one of them). A rule matches a product when any prong matches.
struct Prong {
  std::vector<Condition> conditions;
  std::vector<int> products;  // product indices; empty = any product of the rule's kind
};

enum class Treatment : int { deny = 0, licence = 1, allow = 2 };

// Another government mirrors a rule for its own products after a lag, with a probability.
struct AllyAdoption {
  int country = -1;
  int lag_periods = 0;
  double probability = 1;
};

struct ControlRule {
  std::string id;               // unique name, used by later events to modify or remove it
  int issuer = -1;              // country index of the issuing government
  std::vector<int> jurisdictions; // origins of the products it covers (foreign direct product rule); default {issuer}
  int kind = 0;                 // ProductKind as int
  std::vector<int> destinations;  // country indices
  std::vector<Prong> prongs;
  Treatment treatment = Treatment::deny;
  double licence_fee = 0;           // share of revenue paid to the issuer, [0, 1)
  double approval_probability = 1;  // chance that an application is approved, [0, 1], per decision
  int licence_term_periods = 12;    // a decision (granted or refused) stands this long, then is re-made
  // Volume quota of a licence, per (product, destination), units per period; 0 = none. The
  // tighter of a fixed quota and a share of the product's shipments to its home market in the
  // previous period (the January 2026 rule: China at most 50 % of US shipments).
  double quota_units = 0;
  double quota_share_of_home = 0;
  int epoch = 0;                    // bumped when the rule is (re)adopted or modified: decisions re-made
  std::string source;               // citation / note, carried into provenance
  std::vector<AllyAdoption> allies; // governments that may mirror it

  bool matches(int product, const ProductAttributes& a) const;
};

}  // namespace chipsim

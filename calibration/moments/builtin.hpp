#pragma once
// The built-in families of moment kinds, one file each (added to the registry by moment_kind.cpp).
#include <optional>
#include <string>
#include <vector>

#include "calibration/moment_kind.hpp"

namespace chipsim {

void add_revenue_moments(std::vector<MomentKind>& out);  // revenue, revenue_share
void add_unit_moments(std::vector<MomentKind>& out);     // accelerator_units, unit_share
void add_hbm_moments(std::vector<MomentKind>& out);      // hbm_revenue, hbm_market_share, hbm_stacks
void add_margin_moments(std::vector<MomentKind>& out);   // gross_margin, average_price
void add_series_moments(std::vector<MomentKind>& out);   // series_mean, series_sum, series_mean_per_month

// An optional argument, or nullopt.
inline std::optional<std::string> argument(const MomentArgs& args, const std::string& name) {
  const auto it = args.find(name);
  return it == args.end() ? std::nullopt : std::optional<std::string>(it->second);
}

}  // namespace chipsim

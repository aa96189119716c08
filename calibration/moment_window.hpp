#pragma once
// Reading a run's recorded series over a calendar window: the building blocks of every
// simulated moment (calibration/moments.cpp for `chipsim fit`, calibration/moments/ for the
// calibration file's moment kinds). Months are calendar months; a window is covered only when
// the run records every one of its months.
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/core/calendar.hpp"
#include "sim/core/model.hpp"
#include "sim/core/series.hpp"

namespace chipsim {

// A calendar window [first, last] of months.
struct Window {
  Month first, last;
};

// The periods of the series inside the window, or nullopt when the run does not cover all of
// its months (a run that starts late or ends early has no value for the window).
std::optional<std::vector<std::size_t>> periods_covering(const Model& m, const Series& s, const Window& w);

// Revenue of a firm (USD) over the window, optionally from one destination only; nullopt for an
// unknown firm or destination or an uncovered window.
std::optional<double> firm_revenue(const Model& m, const Series& s, const Window& w, const std::string& firm,
                                   const std::optional<std::string>& destination);

// Accelerator units sold (units) over the window to a destination (all destinations when
// empty), of the products `pick` selects.
std::optional<double> accelerator_units(const Model& m, const Series& s, const Window& w,
                                        const std::optional<std::string>& destination,
                                        const std::function<bool(const Product&)>& pick);

// Units of one product sold over the window (units; HBM: stacks), all destinations.
std::optional<double> product_units(const Model& m, const Series& s, const Window& w, const std::string& product);

// Revenue of all HBM makers (firms of kind hbm) over the window, USD.
std::optional<double> hbm_revenue(const Model& m, const Series& s, const Window& w);

// HBM stacks delivered to a destination over the window, of the products `pick` selects.
std::optional<double> hbm_stacks_to(const Model& m, const Series& s, const Window& w, const std::string& destination,
                                    const std::function<bool(const Product&)>& pick);

// variable[t, k] of the element named `name` of dimension `dim` (a process node, packaging
// line, product or firm): its sum over the window's periods (`sum`), or its mean, divided by
// months per period when `per_month` (capacities stated per month).
std::optional<double> element_series(const Model& m, const Series& s, const Window& w, const std::string& variable,
                                     const std::string& dim, const std::string& name, bool per_month, bool sum);

// a / b, nullopt unless both exist and b > 0.
std::optional<double> ratio(std::optional<double> a, std::optional<double> b);

}  // namespace chipsim

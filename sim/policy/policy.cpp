#include "sim/policy/policy.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace chipsim {

void apply_policy_events(const Model& model, State& state) {
  state.pricing_iterations = 0;  // per-period solver diagnostics, summed over the markets
  state.pricing_residual = 0;
  state.antitrust_fine_paid_usd.setZero();  // flows of this period's events
  state.antitrust_fine_income_usd.setZero();
  auto& shocks = state.active_shocks;
  shocks.erase(std::remove_if(shocks.begin(), shocks.end(),
                              [&](const State::ActiveShock& x) { return x.end_period >= 0 && x.end_period <= state.period; }),
               shocks.end());
  // The period's own events (scheduled and stochastic) in list order, then the events that
  // follow a stochastic one (allies' adoptions), like the allies' adoptions of scheduled rules,
  // which come after the period's other events in the list. Followers never have followers.
  for (const bool followers : {false, true})
    for (std::size_t k = 0; k < model.events.size(); ++k) {
      const Event& e = model.events[k];
      if ((e.follows >= 0) != followers) continue;
      bool happens = false;
      if (followers) {
        const int at = state.event_period[static_cast<std::size_t>(e.follows)];
        happens = at >= 0 && state.period == at + e.follow_lag;
      } else if (e.probability < 0) {
        happens = e.period == state.period;
      } else if (state.event_period[k] < 0 && state.period >= e.period && state.period <= e.until_period) {
        // Probability p per period = hazard -ln(1 - p); the event happens once the hazard summed
        // over its window reaches an exponential threshold drawn once for the event (the same
        // process as a draw per period; the same seed gives the same date at any time step).
        state.event_hazard[k] += e.probability < 1.0 ? -std::log1p(-e.probability) : std::numeric_limits<double>::infinity();
        happens = state.event_hazard[k] >= exponential_threshold(state.random, k, 0, RandomPurpose::stochastic_event);
      }
      if (!happens) continue;
      e.effect->apply(model, state);
      state.event_period[k] = state.period;
    }
  state.capacity_factor.setOnes();
  state.budget_factor.setOnes();
  for (const auto& x : shocks)
    for (int i : x.indices) (x.target == State::ActiveShock::Target::capacity ? state.capacity_factor : state.budget_factor)(i) *= x.factor;
  apply_mineral_controls(model, state);
}

void resolve_market_access(const Model& model, State& state) {
  const int P = model.n_products(), C = model.n_countries();
  const Month now = model.calendar.month_of(state.period);
  state.available.setZero(P, C);
  state.licence_fee.setZero(P, C);
  state.fee_recipient.setConstant(P, C, -1);
  state.tariff_rate.setZero(P, C);
  state.grey_markup.setZero(P, C);
  state.leak_shift.setZero(P, C);
  // Smuggling markups rise with the share of its bound a flow used last period (the networks
  // price this period's service on the load they carried: no further fixed point in the market).
  const Eigen::ArrayXXd last_bound = state.smuggling_bound;
  state.smuggling_issuer.setConstant(P, C, -1);
  state.smuggling_bound.setConstant(P, C, std::numeric_limits<double>::infinity());
  state.buy_side_cap.setConstant(P, C, std::numeric_limits<double>::infinity());
  state.quota_units.setConstant(P, C, std::numeric_limits<double>::infinity());
  state.licence_status.setZero(P, C);
  for (int j = 0; j < P; ++j) {
    const Product& prod = model.products[j];
    auto& launched = state.launched[static_cast<std::size_t>(j)];
    // A variant of a stochastic rule waits until launch_lag periods after the rule happened.
    const int rule_period = prod.launch_follows_event < 0 ? -1 : state.event_period[static_cast<std::size_t>(prod.launch_follows_event)];
    const bool cleared = prod.launch_follows_event < 0 || (rule_period >= 0 && state.period >= rule_period + prod.launch_lag);
    // The period that contains the launch month (quarterly runs: its capacity counts only the
    // months from the launch on; agents/chipmakers.cpp).
    const Month last_month = Month::from_serial(now.serial() + model.calendar.months_per_period - 1);
    if (!launched && !prod.launch_on_arrival && !(last_month < prod.launch) && cleared) {
      launched = 1;
      // Launched before the start: on sale since "before period 0"; otherwise from this period.
      state.launch_period(j) = prod.launch < model.calendar.start && prod.launch_follows_event < 0 ? -1 : state.period;
    }
    const bool on_sale = launched && state.launch_period(j) <= state.period && !(prod.end && *prod.end < now);
    for (int c = 0; c < C; ++c) {
      state.tariff_rate(j, c) = state.tariff[model.tariff_slot(c, prod.origin, prod.kind)];
      if (!on_sale) continue;
      if (!prod.sold_to.empty() && std::find(prod.sold_to.begin(), prod.sold_to.end(), c) == prod.sold_to.end())
        continue;  // the maker does not offer this SKU there
      const ControlRule* decisive = nullptr;
      for (const ControlRule& r : state.rules) {
        if (r.kind != static_cast<int>(prod.kind)) continue;
        if (std::find(r.jurisdictions.begin(), r.jurisdictions.end(), prod.origin) == r.jurisdictions.end()) continue;
        if (std::find(r.destinations.begin(), r.destinations.end(), c) == r.destinations.end()) continue;
        if (r.matches(j, state.attributes[static_cast<std::size_t>(j)])) decisive = &r;  // the latest adopted rule wins
      }
      if (!decisive || decisive->treatment == Treatment::allow) {
        state.available(j, c) = 1;
        continue;
      }
      if (decisive->treatment == Treatment::licence) {
        // Licence: an application decided with probability pi of approval; the decision stands
        // for the licence term while the same version of the rule decides, then is re-made.
        const auto slot = static_cast<std::size_t>(j * C + c);
        if (state.licence_rule[slot] != decisive->id || state.licence_epoch(j, c) != decisive->epoch ||
            state.period >= state.licence_until(j, c)) {
          const std::uint64_t agent = static_cast<std::uint64_t>(j) * static_cast<std::uint64_t>(C) + c;
          const double u = uniform01(state.random, agent, static_cast<std::uint64_t>(state.period),
                                     RandomPurpose::licence_approval);
          state.licence_decision(j, c) = u < decisive->approval_probability ? 1 : -1;
          state.licence_until(j, c) = state.period + decisive->licence_term_periods;
          state.licence_rule[slot] = decisive->id;
          state.licence_epoch(j, c) = decisive->epoch;
        }
        state.licence_status(j, c) = state.licence_decision(j, c);
        if (state.licence_decision(j, c) > 0) {
          state.available(j, c) = 1;
          state.licence_fee(j, c) = decisive->licence_fee;
          state.fee_recipient(j, c) = decisive->issuer;
          // Volume quota: the tighter of a fixed quota and a share of last period's shipments to
          // the maker's home market.
          double quota = std::numeric_limits<double>::infinity();
          if (decisive->quota_units > 0) quota = decisive->quota_units;
          if (decisive->quota_share_of_home > 0) {
            // The product's own shipments home; a product not sold at home (a China-only SKU) or
            // not yet on sale there refers to all its maker's shipments home instead.
            double home = state.units_to(j, prod.origin);
            if (!(home > 0))
              for (int k = 0; k < P; ++k)
                if (model.products[k].owner == prod.owner && model.products[k].kind == prod.kind) home += state.units_to(k, prod.origin);
            quota = std::min(quota, decisive->quota_share_of_home * home);
          }
          state.quota_units(j, c) = quota;
          continue;
        }
      }
      // Denied (or licence refused): when the issuer's enforcement is below 1 the flow leaks
      // through grey markets at a markup, as a quantity: accelerators are smuggled up to a bound
      // the market sets (sim/markets/accelerator_market.cpp); HBM to at most the leak share of a
      // line's need (sim/markets/hbm_market.cpp).
      const double leak = 1.0 - state.enforcement(decisive->issuer);
      if (leak > 0) {
        state.available(j, c) = 1;
        state.grey_markup(j, c) = state.grey_market_markup(decisive->issuer);
        if (prod.kind == ProductKind::accelerator) {
          state.smuggling_issuer(j, c) = decisive->issuer;
          const Government* gov = model.government_of(decisive->issuer);
          const double slope = gov ? gov->grey_market_markup_slope : Government{}.grey_market_markup_slope;
          const double adjustment = gov ? gov->grey_market_markup_adjustment : Government{}.grey_market_markup_adjustment;
          const double used = std::isfinite(last_bound(j, c)) && last_bound(j, c) > 0
                                  ? std::min(1.0, state.smuggled_units(j, c) / last_bound(j, c))
                                  : 0.0;
          double& load = state.smuggling_load(j, c);
          load = adjustment >= 1.0 ? used : load + adjustment * (used - load);
          state.grey_markup(j, c) += slope * load;
        } else
          state.leak_shift(j, c) = std::log(leak);
      }
    }
  }
}

}  // namespace chipsim

#include <catch2/catch.hpp>

#include <cmath>

#include "experiments/deals.hpp"
#include "experiments/experiment_spec.hpp"
#include "sim/pipeline/pipeline.hpp"
#include "sim/scenario/scenario.hpp"

using namespace chipsim;

TEST_CASE("deal finder: gains against the status quo, bargaining set and Nash solution", "[deals]") {
  DealOptions o;
  o.spec_path = std::string(CHIPSIM_SOURCE_DIR) + "/tests/experiments/small_deals.toml";
  o.progress = false;
  const DealResults r = find_deals(o);
  REQUIRE(r.deal_labels.size() == 4);
  REQUIRE(r.seeds.size() == 3);
  CHECK(r.seeds[1] == replicate_seed(5, 1));
  // Recompute one gain by hand: deal 0 (no HBM relief, no licence, tariff 0, mandate 0.4) vs status quo.
  const Model sq = load_scenario(std::string(CHIPSIM_SOURCE_DIR) + "/tests/experiments/small_history.toml");
  RunOptions ro;
  ro.seed = r.seeds[0];
  const State base = run_model(sq, ro);
  const int us = *sq.country_index("US"), C = sq.n_countries(), first = sq.calendar.period_of(Month{2026, 1});
  // The gain is a present value: each period's score (a rate per year) x the period's length in
  // years, discounted at the government's rate to the deal's start.
  const DealPlan plan = plan_deals(o.spec_path);
  const State deal0 = run_model(plan.models[0], ro);
  double rate = -1;
  for (const Government& g : sq.governments)
    if (g.country == us) rate = g.discount_rate;
  REQUIRE(rate >= 0);
  double pv = 0;
  for (int t = first; t < sq.n_periods(); ++t) {
    const auto k = static_cast<std::size_t>(t * C + us);
    const double years = sq.calendar.months_per_period / 12.0;
    pv += years * std::pow(1.0 + rate, -years * (t - first)) *
          (deal0.series.variable("government_score").data[k] - base.series.variable("government_score").data[k]);
  }
  CHECK(r.gain[0] == Approx(pv).epsilon(1e-9));
  CHECK(r.deal_terms[0] == std::vector<double>{-1, 0, 0, 0, 0.4, 0, 0, -1});  // no licence: no quota; -1: mineral controls unchanged
  // Deal 0 only changes China's tariff (0.10 -> 0) and mandate (0.4 -> 0.4): the US gain is its tariff-free revenue effect.
  CHECK(std::isfinite(r.gain[0]));
  // Summaries and sets follow from the per-replicate gains.
  double best = -1;
  int nash = -1;
  for (std::size_t k = 0; k < 4; ++k) {
    double m0 = 0, m1 = 0;
    for (std::size_t rep = 0; rep < 3; ++rep) {
      m0 += r.gain[(k * 3 + rep) * 2] / 3;
      m1 += r.gain[(k * 3 + rep) * 2 + 1] / 3;
    }
    CHECK(r.mean[k * 2] == Approx(m0).epsilon(1e-12));
    CHECK(r.mean[k * 2 + 1] == Approx(m1).epsilon(1e-12));
    CHECK(r.in_bargaining_set[k] == (m0 > 0 && m1 > 0));
    if (m0 > 0 && m1 > 0 && m0 * m1 > best) best = m0 * m1, nash = static_cast<int>(k);
  }
  CHECK(r.nash == nash);

}

TEST_CASE("deal finder trades the licence's volume quota", "[deals][quota]") {
  const std::string path = std::string(CHIPSIM_SOURCE_DIR) + "/tests/experiments/quota_deals.toml";
  const DealPlan plan = plan_deals(path);
  // no licence (quota irrelevant: one deal) + licence without and with a 50 % quota
  REQUIRE(plan.models.size() == 3);
  const auto& names = plan.results.term_names;
  const auto quota_term = static_cast<std::size_t>(std::find(names.begin(), names.end(), "licence_quota_share") - names.begin());
  REQUIRE(quota_term < names.size());
  std::vector<double> quota_of_deal;
  for (const Model& m : plan.models) {
    double q = -1;
    for (const Event& e : m.events)
      if (const ControlRule* r = e.effect->added_rule(); r && r->id == "deal_licence") q = r->quota_share_of_home;
    quota_of_deal.push_back(q);
  }
  CHECK(quota_of_deal == std::vector<double>{-1, 0.0, 0.5});
  CHECK(plan.results.deal_terms[2][quota_term] == 0.5);
  CHECK(plan.results.deal_terms[0][quota_term] == 0.0);
}

TEST_CASE("deal finder trades China's buy-side guidance", "[deals][guidance]") {
  const std::string path = std::string(CHIPSIM_SOURCE_DIR) + "/tests/experiments/guidance_deals.toml";
  const DealPlan plan = plan_deals(path);
  REQUIRE(plan.models.size() == 3);
  REQUIRE(plan.results.term_names[6] == "china_guidance");
  std::vector<int> guidance_events;
  for (const Model& m : plan.models) {
    int n = 0;
    for (const Event& e : m.events) n += e.action == "buy_side_guidance" && e.date.to_string() == "2026-01";
    guidance_events.push_back(n);
  }
  CHECK(guidance_events == std::vector<int>{0, 1, 1});
  CHECK(plan.results.deal_terms[1][6] == 0.5);
  CHECK(plan.results.deal_labels[2].find("CN guidance 100%") != std::string::npos);
  // The guidance bites: with a full ban China buys no US accelerator after the start.
  DealOptions o;
  o.spec_path = path;
  o.threads = 2;
  o.progress = false;
  const DealResults r = find_deals(o);
  REQUIRE(r.mean.size() == 3 * 2);
  CHECK(r.mean[2 * 2 + 0] != r.mean[0 * 2 + 0]);  // the US's gain moves with the guidance
}

TEST_CASE("deal finder: gains against a threat point", "[deals][threat]") {
  DealOptions o;
  o.spec_path = std::string(CHIPSIM_SOURCE_DIR) + "/tests/experiments/threat_deals.toml";
  o.threads = 2;
  o.progress = false;
  const DealResults r = find_deals(o);
  const std::size_t D = r.deal_labels.size(), R = r.seeds.size(), G = 2;
  REQUIRE(r.gain_vs_threat.size() == D * R * G);
  // gain vs threat - gain vs status quo = PV(status quo) - PV(threat): the same for every deal.
  for (std::size_t rep = 0; rep < R; ++rep)
    for (std::size_t g = 0; g < G; ++g) {
      const double shift = r.gain_vs_threat[rep * G + g] - r.gain[rep * G + g];
      for (std::size_t k = 1; k < D; ++k)
        CHECK(r.gain_vs_threat[(k * R + rep) * G + g] - r.gain[(k * R + rep) * G + g] ==
              Approx(shift).margin(1e-9 * (1.0 + std::abs(shift))));
    }
  // The bargaining set and the Nash solution use the threat point as the disagreement point.
  for (std::size_t k = 0; k < D; ++k)
    CHECK(static_cast<bool>(r.in_bargaining_set_vs_threat[k]) == (r.mean_vs_threat[k * G] > 0 && r.mean_vs_threat[k * G + 1] > 0));
  if (r.nash_vs_threat >= 0) {
    const auto n = static_cast<std::size_t>(r.nash_vs_threat);
    for (std::size_t k = 0; k < D; ++k)
      if (r.in_bargaining_set_vs_threat[k])
        CHECK(r.mean_vs_threat[n * G] * r.mean_vs_threat[n * G + 1] >= r.mean_vs_threat[k * G] * r.mean_vs_threat[k * G + 1]);
  }
}

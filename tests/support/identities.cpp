#include "support/identities.hpp"

#include <catch2/catch.hpp>

#include <vector>

namespace chipsim::test {

// Recomputes the money and unit identities from the recorded series, independently of the
// in-run checks.
void check_identities(const Model& m, const Series& s) {
  const int P = m.n_products(), C = m.n_countries(), F = m.n_firms();
  const auto& price = s.variable("price").data;
  // Priced by destination: each destination's price (else the one price of the product).
  const std::vector<double>* by_destination = s.has("price_by_destination") ? &s.variable("price_by_destination").data : nullptr;
  const auto& units = s.variable("units_sold").data;
  const auto& fee = s.variable("licence_fee").data;
  const auto& revenue = s.variable("revenue").data;
  const auto& spend = s.variable("buyer_spend").data;
  const auto& tariffs = s.variable("tariff_income").data;
  const auto& fees = s.variable("fee_income").data;
  const auto& capacity = s.variable("effective_capacity").data;  // capacity x supply shocks (accelerators: HBM-limited)
  const auto& cost = s.variable("marginal_cost").data;
  const auto& cash = s.variable("firm_cash").data;
  const auto& hbm_spend = s.variable("hbm_spend").data;  // (t, firm)
  const auto& rd_spend = s.variable("rd_spend").data;    // (t, firm)
  const auto& capex = s.variable("capex").data;          // (t, firm), net of subsidy
  const auto& grey = s.variable("grey_market_margin").data;  // (t, country)
  const auto& friction = s.variable("customs_friction_cost").data;  // (t, country): customs checks' deadweight cost
  const auto& fines = s.variable("antitrust_fines_paid").data;      // (t, firm)
  std::vector<double> prev_cash(static_cast<std::size_t>(F));
  for (int f = 0; f < F; ++f) prev_cash[static_cast<std::size_t>(f)] = m.firms[f].initial_cash_usd;
  for (int t = 0; t < m.n_periods(); ++t) {
    double paid = 0, rev = 0, tar = 0, fee_in = 0, fee_owed = 0;
    std::vector<double> net(static_cast<std::size_t>(F), 0.0);
    for (int c = 0; c < C; ++c) {
      paid += spend[static_cast<std::size_t>(t * C + c)];
      tar += tariffs[static_cast<std::size_t>(t * C + c)] + grey[static_cast<std::size_t>(t * C + c)] +
             friction[static_cast<std::size_t>(t * C + c)];
      fee_in += fees[static_cast<std::size_t>(t * C + c)];
      for (int f = 0; f < F; ++f) rev += revenue[static_cast<std::size_t>((t * F + f) * C + c)];
    }
    if (!m.hbm_buyers.empty()) {  // outside HBM buyers pay for HBM too
      const auto& outside = s.variable("hbm_buyer_spend");
      for (std::size_t o = 0; o < m.hbm_buyers.size(); ++o) paid += outside.data[static_cast<std::size_t>(t) * outside.row_size + o];
    }
    for (int f = 0; f < F; ++f) {
      paid += hbm_spend[static_cast<std::size_t>(t * F + f)];  // accelerator makers pay for HBM
      net[static_cast<std::size_t>(f)] -= hbm_spend[static_cast<std::size_t>(t * F + f)] +
                                         rd_spend[static_cast<std::size_t>(t * F + f)] + capex[static_cast<std::size_t>(t * F + f)] +
                                         fines[static_cast<std::size_t>(t * F + f)];
    }
    for (int j = 0; j < P; ++j) {
      double sold = 0;
      for (int c = 0; c < C; ++c) {
        const std::size_t k = static_cast<std::size_t>((t * P + j) * C + c);
        CHECK(units[k] >= 0);
        sold += units[k];
        if (units[k] > 0) {
          const double p = by_destination ? (*by_destination)[k] : price[static_cast<std::size_t>(t * P + j)];
          fee_owed += fee[k] * p * units[k];
          const double c = cost[static_cast<std::size_t>(t * P + j)];  // after learning
          net[static_cast<std::size_t>(m.products[j].owner)] += ((1 - fee[k]) * p - c) * units[k];
          CHECK((1 - fee[k]) * p >= c);
        }
      }
      CHECK(sold <= capacity[static_cast<std::size_t>(t * P + j)] * (1 + 1e-9));
    }
    // Buyers' money (AI firms' and accelerator makers' for HBM) goes to firms (gross revenue)
    // and to importing governments (tariffs); firms' gross revenue goes to their cash (net of
    // cost and HBM bought) and to licensing governments.
    CHECK(paid == Approx(rev + tar).epsilon(1e-10));
    CHECK(fee_in == Approx(fee_owed).epsilon(1e-10).margin(1e-6));
    for (int f = 0; f < F; ++f) {
      const double now = cash[static_cast<std::size_t>(t * F + f)];
      // now - prev cancels: its rounding is that of the cash balance (a few ulps of |cash|).
      CHECK(now - prev_cash[static_cast<std::size_t>(f)] ==
            Approx(net[static_cast<std::size_t>(f)]).epsilon(1e-9).margin(1e-14 * std::max(std::abs(now), std::abs(prev_cash[static_cast<std::size_t>(f)]))));
      prev_cash[static_cast<std::size_t>(f)] = now;
    }
  }
}

}  // namespace chipsim::test

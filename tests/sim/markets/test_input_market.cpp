// The derived-input (HBM) market clearing: a competitive equilibrium of the assignment market.
#include <catch2/catch.hpp>

#include <random>

#include "sim/markets/input_market.hpp"

using namespace chipsim;

TEST_CASE("ample input: every buyer valuing it above the reservation price gets its whole need at that price",
          "[input_market]") {
  const std::vector<InputBuyer> buyers{{100, 500}, {40, 80}, {70, 30}};  // the last values it below cost
  const std::vector<InputSupply> supplies{{1e6, 50}, {1e6, 60}};
  std::vector<InputArc> arcs;
  for (int b = 0; b < 3; ++b)
    for (int s = 0; s < 2; ++s) arcs.push_back({b, s});
  const InputClearing c = clear_input_market(buyers, supplies, arcs);
  CHECK(c.bought[0] == Approx(100));
  CHECK(c.bought[1] == Approx(40));
  CHECK(c.bought[2] == 0.0);
  CHECK(c.price[0] == 50.0);
  CHECK(c.price[1] == 60.0);
  CHECK(c.flow[1] == 0.0);  // both buyers take the cheaper supply
  CHECK(c.flow[3] == 0.0);
}

TEST_CASE("scarce input: the highest values are served first and the price is the marginal buyer's value",
          "[input_market]") {
  const std::vector<InputBuyer> buyers{{10, 100}, {10, 300}, {10, 200}};
  const std::vector<InputSupply> supplies{{15, 50}};
  const InputClearing c = clear_input_market(buyers, supplies, {{0, 0}, {1, 0}, {2, 0}});
  CHECK(c.bought[1] == Approx(10));  // value 300: whole need
  CHECK(c.bought[2] == Approx(5));   // value 200: the marginal buyer, served in part
  CHECK(c.bought[0] == 0.0);
  CHECK(c.price[0] == Approx(200));
  CHECK(c.surplus[2] == Approx(0).margin(1e-9));
}

TEST_CASE("a quantity-limited arc carries at most its cap; tariffs lower the bid in producer prices",
          "[input_market]") {
  const std::vector<InputBuyer> buyers{{100, 400}};
  const std::vector<InputSupply> supplies{{1e6, 100}, {30, 100}};
  InputArc grey{0, 0};
  grey.cap = 20;              // leaks: 20 % of the need
  grey.price_factor = 1.5;    // pays a 50 % markup
  const InputClearing c = clear_input_market(buyers, supplies, {grey, {0, 1}});
  CHECK(c.flow[0] <= 20.0);
  CHECK(c.flow[1] == Approx(30));  // the domestic supply is taken first, and sold out
  CHECK(c.flow[0] == Approx(20));  // the grey channel to its cap
  CHECK(c.bought[0] == Approx(50));
}

TEST_CASE("random input markets: the allocation and prices are a competitive equilibrium", "[input_market]") {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(0, 1);
  for (int trial = 0; trial < 200; ++trial) {
    const int B = 1 + static_cast<int>(u(rng) * 8), S = 1 + static_cast<int>(u(rng) * 4);
    std::vector<InputBuyer> buyers(static_cast<std::size_t>(B));
    std::vector<InputSupply> supplies(static_cast<std::size_t>(S));
    for (auto& b : buyers) b = {1000 * u(rng), 50 + 500 * u(rng)};
    for (auto& s : supplies) s = {2000 * u(rng), 40 + 200 * u(rng)};
    std::vector<InputArc> arcs;
    for (int b = 0; b < B; ++b)
      for (int s = 0; s < S; ++s)
        if (u(rng) < 0.7) {
          InputArc a{b, s, 1.0 + 0.3 * u(rng)};
          if (u(rng) < 0.3) a.preference = 1.0 + u(rng);                 // home bias
          if (u(rng) < 0.2) a.cap = 300 * u(rng);                         // a leak channel
          arcs.push_back(a);
        }
    const InputClearing c = clear_input_market(buyers, supplies, arcs);
    const double tol = 1e-2;  // USD per unit and units (solved in 1/1000 units)
    std::vector<double> sold(static_cast<std::size_t>(S), 0.0);
    for (std::size_t a = 0; a < arcs.size(); ++a) sold[static_cast<std::size_t>(arcs[a].supply)] += c.flow[a];
    for (int s = 0; s < S; ++s) {
      const auto k = static_cast<std::size_t>(s);
      CHECK(sold[k] <= supplies[k].capacity + tol);
      CHECK(c.price[k] >= supplies[k].reservation_price);
      if (c.price[k] > supplies[k].reservation_price + tol) CHECK(sold[k] >= supplies[k].capacity - tol);  // premium only when sold out
    }
    for (int b = 0; b < B; ++b) {
      const auto k = static_cast<std::size_t>(b);
      CHECK(c.bought[k] <= buyers[k].need + tol);
      if (c.surplus[k] > tol) CHECK(c.bought[k] >= buyers[k].need - tol);  // positive surplus: whole need
    }
    for (std::size_t a = 0; a < arcs.size(); ++a) {
      const auto b = static_cast<std::size_t>(arcs[a].buyer), s = static_cast<std::size_t>(arcs[a].supply);
      const double gain = buyers[b].value * arcs[a].preference / arcs[a].price_factor - c.price[s];
      const bool capped = arcs[a].cap >= 0 && c.flow[a] >= arcs[a].cap - tol;
      CHECK(c.flow[a] <= (arcs[a].cap >= 0 ? arcs[a].cap : 1e300) + tol);
      if (!capped) CHECK(gain <= c.surplus[b] + tol);               // surplus is the best arc's with room
      if (c.flow[a] > tol) CHECK(gain >= -tol);                     // never at a loss
      // No buyer left short where it would gain at the going price (no excess demand), unless
      // the arc is at its cap.
      if (gain > tol && !capped) CHECK(c.bought[b] >= buyers[b].need - tol);
    }
  }
}

TEST_CASE("a seller withdraws from arcs where the licence fee leaves it below its reservation price",
          "[input_market]") {
  const std::vector<InputBuyer> buyers{{100, 500}, {100, 500}};
  const std::vector<InputSupply> supplies{{1e6, 100}};
  InputArc licensed{1, 0};
  licensed.seller_share = 0.7;  // a 30 % licence fee: at the price 100 the seller keeps 70 < 100
  const InputClearing c = clear_input_market(buyers, supplies, {{0, 0}, licensed});
  CHECK(c.bought[0] == Approx(100));
  CHECK(c.bought[1] == 0.0);
  CHECK(c.price[0] == 100.0);
  // With scarcity the price can rise enough for the licensed sale to pay: 0.7 x 500 >= 100.
  const InputClearing scarce = clear_input_market({{100, 500}, {100, 500}}, {{150, 100}}, {{0, 0}, licensed});
  CHECK(scarce.price[0] == Approx(500));
  CHECK(scarce.bought[0] + scarce.bought[1] == Approx(150));
}

TEST_CASE("a supply without capacity, a buyer without arcs, a zero need", "[input_market]") {
  const std::vector<InputBuyer> buyers{{100, 500}, {50, 400}, {0, 900}};
  const std::vector<InputSupply> supplies{{0, 100}, {80, 100}};
  const InputClearing c = clear_input_market(buyers, supplies, {{0, 0}, {0, 1}, {2, 1}});
  CHECK(c.price[0] == 100.0);  // no capacity: no premium
  CHECK(c.bought[0] == Approx(80));
  CHECK(c.bought[1] == 0.0);   // no arc
  CHECK(c.bought[2] == 0.0);   // no need
  CHECK(c.price[1] >= 100.0);
}

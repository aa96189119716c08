// Moment kinds of margins and prices (calibration/moment_kind.hpp).
#include "calibration/moments/builtin.hpp"

namespace chipsim {

void add_margin_moments(std::vector<MomentKind>& out) {
  // Gross margin as firms report it: 1 - cost of the units sold / revenue. Cost: the marginal
  // cost of each unit sold (after learning; accelerators exclude HBM) plus the firm's HBM spend
  // in the window.
  out.push_back({"gross_margin", "1 - (unit cost x units sold + HBM bought) / revenue of the firm over the window", "share",
                 {"firm"}, {}, [](const Model& m, const Series& s, const Window& w, const MomentArgs& a) -> std::optional<double> {
                   const auto f = m.firm_index(a.at("firm"));
                   const auto ts = periods_covering(m, s, w);
                   const auto revenue = firm_revenue(m, s, w, a.at("firm"), std::nullopt);
                   if (!f || !ts || !revenue || *revenue <= 0) return std::nullopt;
                   const Variable& units = s.variable("units_sold");  // time x product x destination
                   const Variable& cost = s.variable("marginal_cost");  // time x product
                   const Variable& hbm = s.variable("hbm_spend");       // time x firm
                   const auto C = static_cast<std::size_t>(m.n_countries());
                   double total = 0;
                   for (std::size_t t : *ts) {
                     for (std::size_t j = 0; j < m.products.size(); ++j) {
                       if (m.products[j].owner != *f) continue;
                       double q = 0;
                       for (std::size_t c = 0; c < C; ++c) q += units.data[t * units.row_size + j * C + c];
                       total += q * cost.data[t * cost.row_size + j];
                     }
                     total += hbm.data[t * hbm.row_size + static_cast<std::size_t>(*f)];
                   }
                   return 1.0 - total / *revenue;
                 }});
  // Average producer price of a product: units-weighted over the window's periods (its price to
  // the destination when the scenario prices by destination and a destination is given).
  out.push_back({"average_price", "units-weighted producer price of the product over the window", "USD_per_unit", {"product"},
                 {"destination"}, [](const Model& m, const Series& s, const Window& w, const MomentArgs& a) -> std::optional<double> {
                   const auto j = m.product_index(a.at("product"));
                   const auto ts = periods_covering(m, s, w);
                   if (!j || !ts) return std::nullopt;
                   std::optional<std::size_t> d;
                   if (const auto dest = argument(a, "destination")) {
                     const auto c = m.country_index(*dest);
                     if (!c) return std::nullopt;
                     d = static_cast<std::size_t>(*c);
                   }
                   const bool by_destination = d && s.has("price_by_destination");
                   const Variable& price = s.variable(by_destination ? "price_by_destination" : "price");
                   const Variable& units = s.variable("units_sold");
                   const auto C = static_cast<std::size_t>(m.n_countries());
                   const auto J = static_cast<std::size_t>(*j);
                   double value = 0, q = 0;
                   for (std::size_t t : *ts)
                     for (std::size_t c = 0; c < C; ++c) {
                       if (d && c != *d) continue;
                       const double u = units.data[t * units.row_size + J * C + c];
                       const double p = by_destination ? price.data[t * price.row_size + J * C + c] : price.data[t * price.row_size + J];
                       value += u * p, q += u;
                     }
                   if (q <= 0) return std::nullopt;
                   return value / q;
                 }});
}

}  // namespace chipsim

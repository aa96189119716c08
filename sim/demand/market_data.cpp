#include "sim/demand/market_data.hpp"

namespace chipsim {

MarketData split_by_destination(const MarketData& uniform, const Eigen::ArrayXXd* open, const Eigen::ArrayXXi* route) {
  const int P = uniform.n_products(), C = uniform.n_countries;
  const Eigen::ArrayXXd& keep = open ? *open : uniform.available;
  // A country without buyers has no market to price for.
  std::vector<char> has_buyers(static_cast<std::size_t>(C), 0);
  for (int c : uniform.buyer_country) has_buyers[static_cast<std::size_t>(c)] = 1;
  auto has_column = [&](int j, int c) { return keep(j, c) > 0 && has_buyers[static_cast<std::size_t>(c)]; };
  // The country whose column sells the flow (j, c): its own, or the one it is routed through if
  // that has a column of j.
  auto seller = [&](int j, int c) {
    const int via = route ? (*route)(j, c) : -1;
    return via >= 0 && via != c && has_column(j, via) ? via : c;
  };
  std::vector<std::pair<int, int>> columns;  // (uniform column, pricing country), product by product
  for (int j = 0; j < P; ++j)
    for (int c = 0; c < C; ++c)
      if (has_column(j, c) && seller(j, c) == c) columns.emplace_back(j, c);
  const int K = static_cast<int>(columns.size());
  MarketData m;
  m.market_size = uniform.market_size;
  m.alpha = uniform.alpha;
  m.home_bias = uniform.home_bias;
  m.buyer_country = uniform.buyer_country;
  m.n_owners = uniform.n_owners;
  m.n_countries = C;
  m.mean_utility.resize(K);
  m.marginal_cost.resize(K);
  m.capacity.resize(K);
  m.performance.resize(K);
  m.units_per_choice.resize(K);
  m.product_origin.resize(static_cast<std::size_t>(K));
  m.product_owner.resize(static_cast<std::size_t>(K));
  m.world_index.resize(static_cast<std::size_t>(K));
  m.destination.resize(static_cast<std::size_t>(K));
  m.capacity_group.resize(static_cast<std::size_t>(K));
  m.served = Eigen::ArrayXXd::Zero(K, C);
  m.available = Eigen::ArrayXXd::Zero(K, C);
  m.tariff_rate = Eigen::ArrayXXd::Zero(K, C);
  m.licence_fee = Eigen::ArrayXXd::Zero(K, C);
  if (uniform.utility_shift.size()) m.utility_shift = Eigen::ArrayXXd::Zero(K, C);
  int first = 0;  // first column of the current product's group
  for (int k = 0; k < K; ++k) {
    const auto [j, d] = columns[static_cast<std::size_t>(k)];
    const auto kk = static_cast<std::size_t>(k);
    if (k == 0 || columns[kk - 1].first != j) first = k;
    m.mean_utility(k) = uniform.mean_utility(j);
    m.marginal_cost(k) = uniform.marginal_cost(j);
    m.capacity(k) = uniform.capacity(j);
    m.performance(k) = uniform.performance(j);
    m.units_per_choice(k) = uniform.units_per_choice(j);
    m.product_origin[kk] = uniform.product_origin[static_cast<std::size_t>(j)];
    m.product_owner[kk] = uniform.product_owner[static_cast<std::size_t>(j)];
    m.world_index[kk] = uniform.world_index.empty() ? j : uniform.world_index[static_cast<std::size_t>(j)];
    m.destination[kk] = d;
    m.capacity_group[kk] = first;
    for (int c = 0; c < C; ++c) {
      if (!has_column(j, c) || seller(j, c) != d) continue;
      m.served(k, c) = 1;
      m.available(k, c) = uniform.available(j, c);
      m.tariff_rate(k, c) = uniform.tariff_rate(j, c);
      m.licence_fee(k, c) = uniform.licence_fee(j, c);
      if (m.utility_shift.size()) m.utility_shift(k, c) = uniform.utility_shift(j, c);
    }
  }
  return m;
}

}  // namespace chipsim

#include "sim/core/model.hpp"

namespace chipsim {

const char* to_string(ProductKind k) { return k == ProductKind::accelerator ? "accelerator" : "hbm"; }

std::optional<int> Model::country_index(std::string_view code) const {
  for (int i = 0; i < n_countries(); ++i)
    if (countries[i].code == code) return i;
  return std::nullopt;
}

std::optional<int> Model::firm_index(std::string_view name) const {
  for (int i = 0; i < n_firms(); ++i)
    if (firms[i].name == name) return i;
  return std::nullopt;
}

std::optional<int> Model::product_index(std::string_view name) const {
  for (int i = 0; i < n_products(); ++i)
    if (products[i].name == name) return i;
  return std::nullopt;
}

}  // namespace chipsim

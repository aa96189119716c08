#include "sim/core/series.hpp"

#include <stdexcept>

namespace chipsim {

void Series::add_dimension(Dimension d) {
  for (const auto& e : dimensions_)
    if (e.name == d.name) throw std::logic_error("dimension defined twice: " + d.name);
  dimensions_.push_back(std::move(d));
}

const Dimension& Series::dimension(const std::string& name) const {
  for (const auto& d : dimensions_)
    if (d.name == name) return d;
  throw std::logic_error("unknown dimension: " + name);
}

void Series::define(const std::string& name, const std::string& long_name, const std::string& units,
                    std::vector<std::string> dims) {
  if (index_.count(name)) throw std::logic_error("variable defined twice: " + name);
  Variable v{name, long_name, units, std::move(dims), 1, {}};
  for (const auto& d : v.dims) v.row_size *= dimension(d).labels.size();
  index_[name] = variables_.size();
  variables_.push_back(std::move(v));
}

void Series::append(const std::string& name, const double* values, std::size_t n) {
  auto it = index_.find(name);
  if (it == index_.end()) throw std::logic_error("unknown variable: " + name);
  Variable& v = variables_[it->second];
  if (n != v.row_size) throw std::logic_error("wrong row size for variable " + name);
  v.data.insert(v.data.end(), values, values + n);
}

void Series::reserve_periods(std::size_t n) {
  for (auto& v : variables_) v.data.reserve(n * v.row_size);
}

const Variable& Series::variable(const std::string& name) const {
  auto it = index_.find(name);
  if (it == index_.end()) throw std::logic_error("unknown variable: " + name);
  return variables_[it->second];
}

std::size_t Series::n_periods() const { return time_labels.size(); }

}  // namespace chipsim

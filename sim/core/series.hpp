#pragma once
// Recorded time series of a run: named variables over (time, dims...), each with units and
// a long name, plus the label dimensions they use. Filled by the record_period stage and
// written by output/ as one self-describing HDF5 file.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace chipsim {

struct Dimension {
  std::string name;                 // e.g. "product", "firm", "country"
  std::string long_name;
  std::vector<std::string> labels;  // one label per index
};

struct Variable {
  std::string name;        // dataset name, e.g. "price"
  std::string long_name;   // human-readable meaning
  std::string units;       // CF-style units, e.g. "USD", "1", "units/month"
  std::vector<std::string> dims;  // dimensions after the leading "time"
  std::size_t row_size = 1;       // product of the sizes of dims
  std::vector<double> data;       // time-major: period t occupies [t*row_size, (t+1)*row_size)
};

class Series {
 public:
  void add_dimension(Dimension d);
  // Defines a variable over (time, dims...). Dimensions must have been added first.
  void define(const std::string& name, const std::string& long_name, const std::string& units,
              std::vector<std::string> dims);
  // Appends one period to a variable; values.size() must equal its row_size.
  void append(const std::string& name, const double* values, std::size_t n);
  void reserve_periods(std::size_t n);

  const std::vector<Dimension>& dimensions() const { return dimensions_; }
  const std::vector<Variable>& variables() const { return variables_; }
  const Variable& variable(const std::string& name) const;
  bool has(const std::string& name) const { return index_.count(name) > 0; }
  const Dimension& dimension(const std::string& name) const;
  std::size_t n_periods() const;
  // Time coordinate: period labels ("2022-01") and CF days since 1970-01-01.
  std::vector<std::string> time_labels;
  std::vector<double> time_days;

 private:
  std::vector<Dimension> dimensions_;
  std::vector<Variable> variables_;
  std::map<std::string, std::size_t> index_;
};

}  // namespace chipsim

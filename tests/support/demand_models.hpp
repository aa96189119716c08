#pragma once
// Demand models for tests, built as a scenario's [demand] table would build them.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <string>
#include <toml++/toml.h>

#include "sim/core/model.hpp"
#include "sim/demand/demand_model.hpp"
#include "sim/scenario/table_reader.hpp"

namespace chipsim::test {

// The nested logit with nest parameter `lambda` and nesting `nest_by` ("domestic", "owner",
// "origin"); fails the test if the table is rejected.
inline std::shared_ptr<const DemandModel> nested_logit(double lambda, const std::string& nest_by) {
  toml::table t{{"nest_parameter", lambda}, {"nest_by", nest_by}};
  TableReader r(t, "test", "demand");
  Model world;
  auto d = make_demand_model("nested_logit", r, world);
  REQUIRE(d);
  r.finish();
  return d;
}

// The plain logit, and a start without prices (the solver initialises every entry).
inline const DemandModel& logit() {
  static const auto d = make_demand_model("logit");
  return *d;
}
inline Eigen::VectorXd nan_prices(int n) { return Eigen::VectorXd::Constant(n, std::nan("")); }

}  // namespace chipsim::test

#pragma once
// Demand models (docs/SPEC.md §4): quantities of every buyer for every product at once, their
// analytic price Jacobian, and the per-product terms of the Bertrand-Nash first-order
// conditions. Models are registered by name (LAMMPS style, sim/scenario/demand_registry.hpp):
// adding one means adding a source file that calls register_demand_model, not editing a switch.
#include <Eigen/Core>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/demand/market_data.hpp"
#include "sim/scenario/demand_registry.hpp"

namespace chipsim {

class TableReader;
struct Model;

// What one pass over all buyers at given prices yields. FOC of product j (owned by f):
//   sum_i (1-fee_ij) q_ij + sum_i sum_{k in f} m_ik dq_ik/dp_j = 0,  m_ik = (1-fee_ik) p_k - c_k.
// Writing dq_ij/dp_j = -own_ij + cross_ijj, the models return
//   slope_j      = sum_i own_ij,            slope_net_j = sum_i (1-fee_ij) own_ij,
//   foc_rest_j   = sum_i (1-fee_ij) q_ij + sum_i sum_{k in f} m_ik cross_ikj,
// so the FOC reads p_j slope_net_j = c_j slope_j + foc_rest_j (the zeta fixed point).
// Scratch a demand model keeps between the pricing passes of one solve (its arrays are resized,
// not reallocated, from pass to pass). Holds no result.
struct PassWorkspace {
  virtual ~PassWorkspace() = default;
};

struct PricingTerms {
  Eigen::VectorXd quantity;       // Q_j = sum_i q_ij, units (P)
  Eigen::VectorXd slope;          // see above (P)
  Eigen::VectorXd slope_net;      // see above (P)
  Eigen::VectorXd foc_rest;       // see above (P)
  Eigen::VectorXd own_derivative; // dQ_j/dp_j (<= 0), units per USD (P)
  // Optional: a rank-R approximation of the cross-price derivatives,
  //     dQ_j/dp_k ~ sum_r cross_left(j, r) cross_right(k, r)   (k != j),
  // units per USD (P x R each; empty when the model gives none). Used only to speed up the
  // pricing iteration (sim/markets/capacity_clearing.hpp), never to define the equilibrium.
  Eigen::MatrixXd cross_left, cross_right;
  // Set by the caller before a pass: whether to fill cross_left/right (the solver asks only where
  // a ceiling binds, never in its allocation pass; other callers get them by default).
  bool want_cross_terms = true;

  // Allocation (units delivered after rationing), filled when a rationing vector is given:
  Eigen::ArrayXXd units_to;            // units of product j bought by country c (P x C)
  Eigen::VectorXd buyer_spend;         // sum_j p_j (1 + tariff) q_ij, USD (A)
  Eigen::VectorXd buyer_compute;       // sum_j performance_j q_ij, H100e (A)
  Eigen::VectorXd buyer_domestic_units;// units bought from the buyer's own country (A)
  Eigen::VectorXd buyer_log_sum;       // ln(1 + sum_j exp(u_ij)), utils (A): filled by models that have it
                                       // (the logit) in allocation passes; else empty

  // The model's scratch for the next pass on this object (copies share it; it holds no result).
  std::shared_ptr<PassWorkspace> workspace;
  // Set by the caller before a pass: the market is the one of the previous pass with this
  // workspace but for prices, marginal costs and rationing (a model may then reuse what depends
  // on nothing else).
  bool same_market = false;
};

class DemandModel {
 public:
  virtual ~DemandModel() = default;
  virtual std::string_view name() const = 0;

  // Quantities q_ij (A x P) at producer prices p.
  virtual Eigen::ArrayXXd quantities(const MarketData& m, const Eigen::VectorXd& price) const = 0;
  // Aggregate price Jacobian dQ_j/dp_k (P x P), analytic.
  virtual Eigen::MatrixXd price_jacobian(const MarketData& m, const Eigen::VectorXd& price) const = 0;
  // One fused pass over all buyers (O(A x P)); deterministic for any thread count.
  // With a rationing vector (share of demand served per product, in [0, 1]) the pass also
  // fills the allocation fields of PricingTerms with the units actually delivered.
  virtual void pricing_pass(const MarketData& m, const Eigen::VectorXd& price, const Eigen::VectorXd* rationing,
                            PricingTerms& out) const = 0;
  // Consumer surplus of each buyer at prices p, USD per period (A): the expected best utility of
  // its M_i decisions in money, the log-sum over the price coefficient (Small & Rosen 1981),
  //     CS_i = (M_i / alpha_i) ln(1 + sum_j exp(u_ij))          (logit; nested logit: the nests'
  // inclusive values), with the outside option at 0: a level defined up to a constant per buyer,
  // whose differences between two price vectors are the compensating variation (no income
  // effects). Utility shifts enter as given: with rationing wedges, add their rent
  // (sim/demand/consumer_welfare.hpp). Models without a log-sum (CES) return NaN.
  virtual Eigen::VectorXd consumer_surplus(const MarketData& m, const Eigen::VectorXd& price) const {
    (void)price;
    return Eigen::VectorXd::Constant(m.n_buyers(), std::numeric_limits<double>::quiet_NaN());
  }
};

}  // namespace chipsim

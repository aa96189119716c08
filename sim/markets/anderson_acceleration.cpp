#include "sim/markets/anderson_acceleration.hpp"

#include <Eigen/QR>

namespace chipsim {

Eigen::VectorXd AndersonAcceleration::next(const Eigen::VectorXd& x, const Eigen::VectorXd& image) {
  const Eigen::VectorXd residual = image - x;
  if (last_residual_.size() == residual.size()) {
    residual_steps_.push_back(residual - last_residual_);
    image_steps_.push_back(image - last_image_);
    if (static_cast<int>(residual_steps_.size()) > memory_) {
      residual_steps_.pop_front();
      image_steps_.pop_front();
    }
  }
  last_residual_ = residual;
  last_image_ = image;
  const auto m = static_cast<Eigen::Index>(residual_steps_.size());
  if (m == 0) return image;
  Eigen::MatrixXd dF(residual.size(), m), dG(residual.size(), m);
  for (Eigen::Index k = 0; k < m; ++k) {
    dF.col(k) = residual_steps_[static_cast<std::size_t>(k)];
    dG.col(k) = image_steps_[static_cast<std::size_t>(k)];
  }
  const Eigen::VectorXd gamma = dF.colPivHouseholderQr().solve(residual);
  Eigen::VectorXd out = image - dG * gamma;
  if (!out.allFinite()) {
    restart();
    return image;
  }
  return out;
}

void AndersonAcceleration::restart() {
  last_residual_.resize(0);
  last_image_.resize(0);
  residual_steps_.clear();
  image_steps_.clear();
}

}  // namespace chipsim

#include "sim/markets/anderson_acceleration.hpp"

namespace chipsim {

const Eigen::VectorXd& AndersonAcceleration::next(const Eigen::VectorXd& x, const Eigen::VectorXd& image) {
  const Eigen::Index n = x.size();
  residual_ = image - x;
  if (last_residual_.size() == n && memory_ > 0) {
    if (residual_steps_.rows() != n || residual_steps_.cols() != memory_) {
      residual_steps_.resize(n, memory_);
      image_steps_.resize(n, memory_);
      stored_ = 0;
    }
    if (stored_ == memory_) {  // drop the oldest: shift the columns left, keeping their order
      for (Eigen::Index k = 0; k + 1 < stored_; ++k) {
        residual_steps_.col(k) = residual_steps_.col(k + 1);
        image_steps_.col(k) = image_steps_.col(k + 1);
      }
      --stored_;
    }
    residual_steps_.col(stored_) = residual_ - last_residual_;
    image_steps_.col(stored_) = image - last_image_;
    ++stored_;
  }
  last_residual_ = residual_;
  last_image_ = image;
  if (stored_ == 0) {
    out_ = image;
    return out_;
  }
  qr_.compute(residual_steps_.leftCols(stored_));
  gamma_ = qr_.solve(residual_);
  out_ = image - image_steps_.leftCols(stored_) * gamma_;
  if (!out_.allFinite()) {
    restart();
    out_ = image;
  }
  return out_;
}

void AndersonAcceleration::restart() {
  last_residual_.resize(0);
  last_image_.resize(0);
  stored_ = 0;
}

}  // namespace chipsim

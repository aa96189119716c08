#pragma once
// Anderson acceleration of a fixed-point iteration x <- g(x) (type II; Walker & Ni 2011,
// "Anderson acceleration for fixed-point iterations", SIAM J. Numer. Anal. 49(4)).
//
// With residuals f_k = g(x_k) - x_k and the differences of the last m residuals and images,
//   gamma = argmin || f_k - dF gamma ||_2,    x_{k+1} = g(x_k) - dG gamma,
// which is a multisecant quasi-Newton step; with m = 0 it is the plain iteration. The least
// squares are solved by column-pivoting QR, so nearly collinear differences are dropped rather
// than amplified. Deterministic: the same inputs give the same step, bit for bit.
#include <Eigen/Core>
#include <Eigen/QR>

namespace chipsim {

class AndersonAcceleration {
 public:
  explicit AndersonAcceleration(int memory) : memory_(memory) {}

  // The next iterate from the current one and its image under the map (valid until the next
  // call). Its scratch is kept between calls: no allocation once the size is fixed.
  const Eigen::VectorXd& next(const Eigen::VectorXd& x, const Eigen::VectorXd& image);
  // Forgets the history (after a step that made things worse, or a change of regime).
  void restart();

 private:
  int memory_;
  Eigen::Index stored_ = 0;  // differences held, oldest in column 0
  Eigen::VectorXd residual_, last_residual_, last_image_, gamma_, out_;
  Eigen::MatrixXd residual_steps_, image_steps_;  // n x memory: differences of residuals and images
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr_;
};

}  // namespace chipsim

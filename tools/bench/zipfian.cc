#include "zipfian.h"

#include <algorithm>
#include <cmath>

#include "base/assert.h"

namespace strata::bench {

double Zipfian::Zeta(uint64_t n, double theta) {
  double sum = 0;
  for (uint64_t i = 1; i <= n; ++i) sum += std::pow(static_cast<double>(i), -theta);
  return sum;
}

Zipfian::Zipfian(uint64_t n, double theta) : n_(n), theta_(theta) {
  STRATA_ASSERT(n >= 1);
  STRATA_ASSERT(theta > 0 && theta < 1);
  zeta_n_ = Zeta(n, theta);
  alpha_ = 1.0 / (1.0 - theta);
  double zeta2 = Zeta(2, theta);
  // With n == 1 or 2 the continuous part is never reached (eta unused).
  eta_ = n <= 2 ? 0
                : (1.0 - std::pow(2.0 / static_cast<double>(n), 1.0 - theta)) /
                      (1.0 - zeta2 / zeta_n_);
  second_cut_ = 1.0 + std::pow(0.5, theta);
}

uint64_t Zipfian::Next(double u) const {
  double uz = u * zeta_n_;
  if (uz < 1.0 || n_ == 1) return 0;
  if (uz < second_cut_ || n_ == 2) return 1;
  auto rank =
      static_cast<uint64_t>(static_cast<double>(n_) * std::pow(eta_ * u - eta_ + 1, alpha_));
  return std::min(rank, n_ - 1);
}

}  // namespace strata::bench

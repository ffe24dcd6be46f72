// Zipfian ranks by the method of Gray et al., "Quickly Generating
// Billion-Record Synthetic Databases" (SIGMOD 1994), as YCSB uses it: rank 0
// is the most frequent; P(rank i) is proportional to 1 / (i + 1)^theta.
// Ranks 0 and 1 are exact; the rest follow the continuous approximation.
//
// Thread-safety: immutable after construction; Next() takes the caller's
// uniform variate so that each thread keeps its own random engine.
#pragma once

#include <cstdint>

namespace strata::bench {

class Zipfian {
 public:
  // REQUIRES: n >= 1, 0 < theta < 1. Costs O(n) (the zeta sum) once.
  Zipfian(uint64_t n, double theta);

  // The rank in [0, n) for a uniform u in [0, 1).
  uint64_t Next(double u) const;

  // 1 / zeta(n, theta): the exact probability of rank 0.
  double top_probability() const { return 1.0 / zeta_n_; }
  double theta() const { return theta_; }

  // sum_{i=1..n} 1 / i^theta.
  static double Zeta(uint64_t n, double theta);

 private:
  uint64_t n_;
  double theta_;
  double zeta_n_;
  double alpha_;
  double eta_;
  double second_cut_;  // 1 + 0.5^theta: the zeta-scaled upper end of rank 1.
};

}  // namespace strata::bench

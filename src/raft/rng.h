// A small deterministic PRNG (splitmix64) so that the same seed gives the
// same election timeouts on every platform and standard library.
#pragma once

#include <cstdint>

namespace strata::raft {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t uniform(uint64_t n) { return next() % n; }

 private:
  uint64_t state_;
};

}  // namespace strata::raft

// A small, portable, seedable PRNG for the simulator: xoshiro256** seeded by
// splitmix64. Never std::random_device, never std distributions: the same
// 64-bit seed yields the same stream with every compiler and standard library.
//
// Thread-safety: none (a value type).
#pragma once

#include <cstdint>

#include "base/assert.h"

namespace strata::sim {

// One splitmix64 step: advances *state and returns a well-mixed 64-bit value.
inline uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Derives an independent seed for a sub-stream (`stream` names the user, e.g.
// the network or node 3), so adding draws to one stream never shifts another.
inline uint64_t DeriveSeed(uint64_t seed, uint64_t stream) {
  uint64_t s = seed ^ (stream * 0xd1b54a32d192ed03ULL);
  SplitMix64(&s);
  return SplitMix64(&s);
}

class Prng {
 public:
  explicit Prng(uint64_t seed) {
    uint64_t sm = seed;
    for (auto& w : s_) w = SplitMix64(&sm);
  }

  uint64_t next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n) (Lemire's multiply-shift; bias below 2^-64 * n).
  // REQUIRES: n > 0.
  uint64_t uniform(uint64_t n) {
    STRATA_ASSERT(n > 0);
    return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  // Uniform in [lo, hi]. REQUIRES: lo <= hi.
  uint64_t range(uint64_t lo, uint64_t hi) {
    STRATA_ASSERT(lo <= hi);
    return lo + uniform(hi - lo + 1);
  }
  // True with probability per_million / 1e6.
  bool chance(uint64_t per_million) { return uniform(1000000) < per_million; }
  // True with probability 1/n. REQUIRES: n > 0.
  bool one_in(uint64_t n) { return uniform(n) == 0; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace strata::sim

// Exponential back-off with jitter for reconnecting peer streams.
//
// next() returns a delay drawn uniformly from [d/2, d], where d starts at
// `initial` and doubles after each call up to `max`; reset() starts over.
// Halving the lower bound spreads the reconnects of many nodes that lost
// the same peer at the same moment.
//
// Thread-safety: none (the transport calls it under its mutex).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace strata::node {

class Backoff {
 public:
  // REQUIRES: 0 < initial <= max.
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, uint64_t seed)
      : initial_(initial), max_(max), current_(initial), rng_(seed) {}

  std::chrono::milliseconds next() {
    std::chrono::milliseconds d = current_;
    current_ = std::min(max_, current_ * 2);
    std::uniform_int_distribution<int64_t> jitter(d.count() / 2, d.count());
    return std::chrono::milliseconds(jitter(rng_));
  }
  void reset() { current_ = initial_; }
  // The un-jittered delay the next call to next() is based on.
  std::chrono::milliseconds current() const { return current_; }

 private:
  const std::chrono::milliseconds initial_;
  const std::chrono::milliseconds max_;
  std::chrono::milliseconds current_;
  std::mt19937_64 rng_;
};

}  // namespace strata::node

// Benchmark keys: key i of the key space is i in decimal, zero-padded to the
// key size, so keys sort in index order and a scan of N keys is [i, i + N).
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>

#include "zipfian.h"

namespace strata::bench {

// Digits needed for the largest index of a key space of n keys (at least 1).
int KeyDigits(uint64_t n);

// Key `index`, zero-padded to `key_size` characters.
// REQUIRES: key_size >= the number of decimal digits of index.
std::string FormatKey(uint64_t index, int key_size);

// `size` uniformly random bytes: they do not compress, so a store that
// compresses its blocks gains nothing over one that does not.
std::string RandomBytes(size_t size, std::mt19937_64& rng);

enum class KeyDist { kUniform, kZipfian };

// Draws key indexes in [0, n). Thread-safety: Next() is const; each thread
// passes its own engine.
class KeyChooser {
 public:
  // REQUIRES: n >= 1 and, for zipfian, 0 < theta < 1.
  KeyChooser(uint64_t n, KeyDist dist, double theta);

  uint64_t Next(std::mt19937_64& rng) const;
  uint64_t size() const { return n_; }

 private:
  uint64_t n_;
  std::optional<Zipfian> zipf_;
};

}  // namespace strata::bench

#include "keys.h"

#include "base/assert.h"

namespace strata::bench {

int KeyDigits(uint64_t n) {
  uint64_t largest = n <= 1 ? 0 : n - 1;
  int digits = 1;
  while (largest >= 10) {
    largest /= 10;
    ++digits;
  }
  return digits;
}

std::string FormatKey(uint64_t index, int key_size) {
  std::string digits = std::to_string(index);
  STRATA_ASSERT_MSG(static_cast<int>(digits.size()) <= key_size,
                    "key " + digits + " does not fit in " + std::to_string(key_size) + " bytes");
  return std::string(key_size - digits.size(), '0') + digits;
}

std::string RandomBytes(size_t size, std::mt19937_64& rng) {
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
  return bytes;
}

KeyChooser::KeyChooser(uint64_t n, KeyDist dist, double theta) : n_(n) {
  STRATA_ASSERT(n >= 1);
  if (dist == KeyDist::kZipfian) zipf_.emplace(n, theta);
}

uint64_t KeyChooser::Next(std::mt19937_64& rng) const {
  if (!zipf_) return rng() % n_;
  // 53 random bits make a double in [0, 1).
  double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  return zipf_->Next(u);
}

}  // namespace strata::bench

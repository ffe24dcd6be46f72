#include "histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "base/assert.h"

namespace strata::bench {

int Histogram::IndexOf(uint64_t ns) {
  ns = std::min(ns, kMaxTrackedNs);
  if (ns < 2 * kSub) return static_cast<int>(ns);
  // Shift so that the value's top kSubBits+1 bits remain: [kSub, 2 kSub).
  int shift = std::bit_width(ns) - 1 - kSubBits;
  return static_cast<int>((shift + 1) * kSub + ((ns >> shift) - kSub));
}

uint64_t Histogram::LowerBound(int index) {
  if (index < static_cast<int>(2 * kSub)) return static_cast<uint64_t>(index);
  int shift = index / static_cast<int>(kSub) - 1;
  return (kSub + index % kSub) << shift;
}

uint64_t Histogram::Width(int index) {
  if (index < static_cast<int>(2 * kSub)) return 1;
  return uint64_t{1} << (index / static_cast<int>(kSub) - 1);
}

void Histogram::Record(uint64_t ns) {
  int index = IndexOf(ns);
  STRATA_ASSERT(index < kBuckets);
  ++counts_[index];
  ++count_;
  sum_ += ns;
  min_ = std::min(min_, ns);
  max_ = std::max(max_, ns);
}

void Histogram::Merge(const Histogram& other) {
  for (int i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

uint64_t Histogram::Percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * count_)));
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      uint64_t mid = LowerBound(i) + (Width(i) - 1) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

}  // namespace strata::bench

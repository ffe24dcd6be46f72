#include "tools/check/failed_set.h"

#include <algorithm>
#include <cstring>

#include "base/assert.h"

namespace strata::check {

namespace {

bool AtMost(const FailedSet::Used& a, const FailedSet::Used& b) {
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i]) return false;
  }
  return true;
}

}  // namespace

FailedSet::FailedSet(size_t bitset_words) : words_(bitset_words), slots_(1024, 0) {}

size_t FailedSet::Find(uint64_t hash, const uint64_t* bits, uint64_t state) const {
  const size_t mask = slots_.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    const uint32_t slot = slots_[i];
    if (slot == 0) return i;
    const uint64_t* e = Entry(slot - 1);
    if (e[0] == hash && e[1] == state && std::memcmp(e + 2, bits, words_ * 8) == 0) return i;
  }
}

bool FailedSet::Covers(uint64_t hash, const uint64_t* bits, uint64_t state, Used used) const {
  const uint32_t slot = slots_[Find(hash, bits, state)];
  if (slot == 0) return false;
  const std::vector<Used>& f = frontiers_[slot - 1];
  return std::any_of(f.begin(), f.end(), [&](const Used& u) { return AtMost(u, used); });
}

void FailedSet::Add(uint64_t hash, const uint64_t* bits, uint64_t state, Used used) {
  if ((size() + 1) * 2 > slots_.size()) Grow();
  const size_t i = Find(hash, bits, state);
  if (slots_[i] == 0) {
    STRATA_ASSERT_MSG(size() < UINT32_MAX, "failed set is full");
    slots_[i] = static_cast<uint32_t>(size()) + 1;
    arena_.push_back(hash);
    arena_.push_back(state);
    arena_.insert(arena_.end(), bits, bits + words_);
    frontiers_.push_back({used});
    return;
  }
  std::vector<Used>& f = frontiers_[slots_[i] - 1];
  if (std::any_of(f.begin(), f.end(), [&](const Used& u) { return AtMost(u, used); })) return;
  std::erase_if(f, [&](const Used& u) { return AtMost(used, u); });
  f.push_back(used);
}

void FailedSet::Grow() {
  std::vector<uint32_t> bigger(slots_.size() * 2, 0);
  const size_t mask = bigger.size() - 1;
  for (uint32_t slot : slots_) {
    if (slot == 0) continue;
    size_t i = Entry(slot - 1)[0] & mask;
    while (bigger[i] != 0) i = (i + 1) & mask;
    bigger[i] = slot;
  }
  slots_.swap(bigger);
}

}  // namespace strata::check

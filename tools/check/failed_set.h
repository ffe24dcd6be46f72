// FailedSet: the search's memory of configurations it has explored to the
// end without finding an order (they failed).
//
// A configuration is the set of ops placed (a bitset, without the
// interchangeable info ops), the model state, and how many ops of each
// interchangeable class it used. Using fewer of them never hurts: the
// unused ones stay available. So a configuration is covered, and need not
// be explored, when a failed one has the same bits and state and used at
// most as many of every class. Keys are stored exactly (no false hits).
//
// Memory: about (bitset words + 6) * 8 bytes per failed configuration.
// Thread-safety: none.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace strata::check {

class FailedSet {
 public:
  // Ops used per interchangeable class.
  using Used = std::array<uint32_t, 2>;

  // Keys will have `bitset_words` 64-bit words of bitset.
  explicit FailedSet(size_t bitset_words);

  // True when a failed configuration with these bits and state used no
  // more than `used` of each class. `hash` must be a function of (bits,
  // state) only.
  bool Covers(uint64_t hash, const uint64_t* bits, uint64_t state, Used used) const;

  // Records a failed configuration.
  void Add(uint64_t hash, const uint64_t* bits, uint64_t state, Used used);

  // Distinct (bits, state) keys stored.
  size_t size() const { return frontiers_.size(); }

 private:
  // Entry layout in arena_: hash, state, bitset words.
  size_t EntryWords() const { return words_ + 2; }
  const uint64_t* Entry(uint32_t index) const { return &arena_[index * EntryWords()]; }
  // The slot holding the key, or the empty slot where it would go.
  size_t Find(uint64_t hash, const uint64_t* bits, uint64_t state) const;
  void Grow();

  size_t words_;
  std::vector<uint64_t> arena_;
  // By entry: the minimal `used` vectors of its failed configurations.
  std::vector<std::vector<Used>> frontiers_;
  std::vector<uint32_t> slots_;  // 0 = empty, else entry index + 1; open addressing.
};

}  // namespace strata::check

// Linearizability of the ops on one key: Wing and Gong's depth-first search
// with Lowe's memory of explored configurations (the approach of Knossos
// and Porcupine).
//
// The search builds a sequential order one op at a time. Next may come any
// op not yet placed that was invoked before the earliest deadline among the
// ok ops not yet placed (ops ending and invoking at the same nanosecond
// count as concurrent); it must step the model as its reply says. A dead
// end backtracks. Configurations (ops placed, state) already explored are
// skipped. Info ops have no deadline and may be left out; the history is
// linearizable once every ok op is placed.
//
// Thread-safety: free functions with no shared state.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "tools/check/op.h"

namespace strata::check {

enum class Verdict : uint8_t {
  kLinearizable,
  kViolation,  // No order explains the replies.
  kUnknown,    // The search budget ran out first.
};

// "linearizable", "violation", "unknown".
std::string_view VerdictName(Verdict v);

struct SearchOptions {
  // Configurations one search may explore before giving up with kUnknown.
  // Each costs about (ops / 64 + 3) * 8 bytes. Default: 2,000,000.
  uint64_t max_states = 2'000'000;
  // Try the quick proof of impossible_read.h before searching. Default: true.
  bool quick_proofs = true;
};

struct SearchResult {
  Verdict verdict = Verdict::kLinearizable;
  uint64_t states = 0;  // Configurations explored (0 for a quick proof).
  // kViolation only: no op invoked after this time took part in the proof
  // (every configuration explored had an ok op left with an earlier
  // deadline, and every read that doomed a configuration was invoked by
  // then), so without those ops the history still fails.
  int64_t horizon_ns = 0;
};

// Checks the ops of one key. The key is taken to be absent before the
// first op. REQUIRES: every op has the same key.
SearchResult CheckKey(std::span<const Op* const> ops, const SearchOptions& options);

}  // namespace strata::check

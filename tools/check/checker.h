// strata_check: is a fault test's history linearizable?
//
// The model is etcd's key-value store, one register per key (op.h). Every
// op touches one key, so the history splits by key and each key is checked
// on its own (P-compositionality: a history is linearizable exactly when
// every key's sub-history is). A key that fails is shrunk to a small core
// of ops whose replies cannot be explained (shrink.h). The search on each key is
// bounded (SearchOptions); a key that exceeds it is "unknown".
//
// Usage from a driver: record with HistoryWriter (history_writer.h), read
// with ReadHistoryFile (history_reader.h), then CheckHistory. Format and
// semantics: tools/check/README.md.
//
// Thread-safety: free functions with no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/check/history.h"
#include "tools/check/linearizability.h"
#include "tools/check/op.h"
#include "tools/check/shrink.h"

namespace strata::check {

struct CheckOptions {
  // Per key. Default: see SearchOptions.
  SearchOptions search;
  // Shrink failing keys. Default: true.
  bool shrink = true;
  // Per failing key. Default: see ShrinkLimits.
  ShrinkLimits shrink_limits;
};

struct KeyReport {
  std::string key;
  size_t ops = 0;       // Ok and info ops on this key.
  size_t info_ops = 0;  // Of which info.
  Verdict verdict = Verdict::kLinearizable;
  uint64_t states = 0;  // Configurations the search explored.
  int64_t check_ns = 0;
  // kViolation: the failing core (shrink.h), in invoke order; all ops of
  // the key when shrinking is off. Not linearizable on its own either.
  std::vector<Op> failing;
  bool failing_minimal = false;  // See ShrinkResult::minimal.
  int shrink_checks = 0;
  int64_t shrink_ns = 0;
};

struct Report {
  // kViolation if any key failed, else kUnknown if any key ran out of
  // budget, else kLinearizable.
  Verdict verdict = Verdict::kLinearizable;
  size_t ops = 0;
  size_t info_ops = 0;
  int64_t failed = 0;           // Failed ops dropped (History::failed).
  int64_t unfinished = 0;       // Invokes without an end, taken as info.
  std::vector<KeyReport> keys;  // In key order.
  int64_t elapsed_ns = 0;       // Checking and shrinking, all keys.
};

// Checks every key of `h`. Never fails: bad input is rejected when the
// history is built.
Report CheckHistory(const History& h, const CheckOptions& options);

}  // namespace strata::check

// Shrinks a failing history of one key to a small core that still fails.
//
// Dropping an op is not safe in general: without the put that created a
// key, a later delete that found it looks wrong too, a failure the real
// history does not have. So ops outside the core are weakened instead of
// dropped: an ok write becomes an info op (it may or may not have happened,
// at any time after its invoke), an ok cas even an info put (it may have
// written its value whatever its compare found), and an ok op that changed
// nothing (a get, a cas whose compare failed, a delete that found nothing)
// goes; info ops stay as they are. Every history tried is thus a weakening
// of the input, and a violation in it is a violation in the input.
//
// The core is found by delta debugging (Zeller's ddmin) over the ok ops:
// drop chunks from the core while the search still reports a violation,
// halving the chunk size when no chunk can go. After each success, core ops
// invoked after the search's horizon are weakened too (they took no part in
// the proof). A history on which the search runs out of budget counts as
// not failing.
//
// Thread-safety: free functions with no shared state.
#pragma once

#include <span>
#include <vector>

#include "tools/check/linearizability.h"
#include "tools/check/op.h"

namespace strata::check {

struct ShrinkResult {
  // The core: ok ops of the input, in input order. Their replies cannot all
  // be explained even with the key's other ops weakened as above; the core
  // alone is not linearizable either.
  std::vector<const Op*> ops;
  bool minimal = false;  // Weakening any one core op makes it linearizable.
  int checks = 0;        // Searches run.
  uint64_t states = 0;   // Configurations they explored.
};

struct ShrinkLimits {
  // Searches to run at most. Default: 2,000.
  int max_checks = 2000;
  // Configurations all searches together may explore. Default: 10,000,000.
  uint64_t max_states = 10'000'000;
  // Configurations one search may explore (and at most
  // SearchOptions::max_states); the first search, which must confirm the
  // violation, gets SearchOptions::max_states. Default: 200,000.
  uint64_t max_states_per_search = 200'000;
};

// REQUIRES: CheckKey(ops, options) is a violation; every op has the same
// key. Stops at either limit; then `ops` is the smallest core found.
ShrinkResult ShrinkViolation(std::span<const Op* const> ops, const SearchOptions& options,
                             const ShrinkLimits& limits);

}  // namespace strata::check

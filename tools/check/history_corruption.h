// Breaking a generated history on purpose, to show the checker notices.
//
// Thread-safety: free functions with no shared state.
#pragma once

#include <cstdint>
#include <vector>

#include "tools/check/event.h"

namespace strata::check {

// Makes one ok get (chosen by `seed`) return a value nobody wrote.
// Returns false when there is no ok get.
bool CorruptReadNeverWritten(std::vector<Event>* events, uint64_t seed);

// Makes one ok get return a stale value: one written by an ok op that ended
// before another ok write or delete of the key, which itself ended before
// the get was invoked. With unique values that is never linearizable.
// Returns false when no get qualifies.
// REQUIRES: the events were generated with value_domain 0.
bool CorruptReadStale(std::vector<Event>* events, uint64_t seed);

// Adds one to the version an ok get recorded (a present key). Usually, not
// always, a violation: a lost put may explain the extra version. The quick
// proof ignores versions, so only the search can tell. Returns false when
// no get recorded a version of a present key.
bool CorruptReadVersion(std::vector<Event>* events, uint64_t seed);

}  // namespace strata::check

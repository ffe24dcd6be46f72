// A quick proof of the commonest violation: a read no order can explain.
//
// An ok op R that needs the key to hold X (a get that returned X, a cas
// that found X) is impossible when no write of X can be the last write
// before R: every op that writes X and was invoked before R ended is an ok
// op W, and some ok op Q that leaves the key holding something else (a put
// or succeeded cas of another value, a delete) started after W ended and
// ended before R started. With no writer of X at all, R read a value never
// written. This is the stale read of a deposed leader, found without a
// search; the search finds it too, but may need far more work when many
// info ops are open.
//
// Thread-safety: free function with no shared state.
#pragma once

#include <cstdint>
#include <optional>

#include "tools/check/search_problem.h"

namespace strata::check {

// The id of the impossible op that ends first, or nullopt if none.
std::optional<uint32_t> FindImpossibleRead(const SearchProblem& p);

}  // namespace strata::check

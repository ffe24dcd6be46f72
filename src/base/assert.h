// Assertions that stay on in release builds.
//
// STRATA_ASSERT is for programmer errors and broken invariants: it prints the
// condition and location and aborts. Operating errors (bad input, a full
// disk, a lost peer) are returned as Status values instead.
#pragma once

#include <string_view>

namespace strata::internal {
[[noreturn]] void AssertFailed(const char* condition, const char* file, int line,
                               std::string_view message);
}  // namespace strata::internal

#define STRATA_ASSERT(cond) \
  ((cond) ? (void)0 : ::strata::internal::AssertFailed(#cond, __FILE__, __LINE__, {}))

#define STRATA_ASSERT_MSG(cond, msg) \
  ((cond) ? (void)0 : ::strata::internal::AssertFailed(#cond, __FILE__, __LINE__, (msg)))

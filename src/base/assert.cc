#include "base/assert.h"

#include <cstdio>
#include <cstdlib>

namespace strata::internal {

void AssertFailed(const char* condition, const char* file, int line, std::string_view message) {
  std::fprintf(stderr, "assertion failed at %s:%d: %s%s%.*s\n", file, line, condition,
               message.empty() ? "" : ": ", static_cast<int>(message.size()), message.data());
  std::fflush(stderr);
  std::abort();
}

}  // namespace strata::internal

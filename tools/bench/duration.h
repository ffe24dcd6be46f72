// Duration strings in Go's style ("10s", "500ms", "2m", "1m30s"), as etcd's
// tools and etcdctl accept them.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/status.h"

namespace strata::bench {

// Parses one or more <number><unit> pairs; units are ns, us, ms, s, m, h and
// the number may have a fraction ("1.5s"). A bare "0" is zero. Anything else,
// including a negative value, is InvalidArgument naming the text.
Result<std::chrono::nanoseconds> ParseDuration(std::string_view text);

// The shortest of "250ms", "10s", "2m" that is exact, else nanoseconds.
std::string FormatDuration(std::chrono::nanoseconds d);

}  // namespace strata::bench

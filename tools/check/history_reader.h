// Reads a history file: JSON lines, one event each (format: README.md).
//
// Thread-safety: free functions with no shared state.
#pragma once

#include <istream>
#include <string>

#include "base/status.h"
#include "tools/check/history.h"

namespace strata::check {

// Reads every line of `in`; blank lines are skipped. Errors:
// kInvalidArgument "line N: <problem>" for the first bad line (malformed
// JSON, a missing or mistyped field, an event that does not pair up).
Result<History> ReadHistory(std::istream& in);

// As ReadHistory; kIOError when the file cannot be opened or read.
Result<History> ReadHistoryFile(const std::string& path);

}  // namespace strata::check

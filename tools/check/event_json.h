// The JSON-lines encoding of history events (format: README.md).
//
// Thread-safety: free functions with no shared state.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "tools/check/event.h"

namespace strata::check {

// One event as a JSON object on a single line, without the newline. Fields
// the event type does not use are left out. Errors: kInvalidArgument when a
// key, value or error text is not valid UTF-8 (JSON strings must be).
Result<std::string> EncodeEvent(const Event& e);

// Parses one line. Unknown fields are ignored. Errors: kInvalidArgument
// naming the problem (bad JSON, a missing or mistyped field, an unknown type
// or op, a value out of range); the caller adds the line number.
Result<Event> DecodeEvent(std::string_view line);

}  // namespace strata::check

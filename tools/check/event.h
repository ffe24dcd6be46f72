// One line of a history file: a client invoking an op, or the op ending.
//
// The file format is in README.md; event_json.h encodes and decodes it.
// Thread-safety: value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tools/check/op.h"

namespace strata::check {

enum class EventType : uint8_t {
  kInvoke,  // The client sent the request.
  kOk,      // A reply came: the op took effect once (a failed compare counts).
  kFail,    // The op certainly did not take effect; the checker drops it.
  kInfo,    // The outcome is unknown (timeout, connection lost).
};

struct Event {
  int64_t process = 0;
  EventType type = EventType::kInvoke;
  // kInvoke: the whole call. Other types: kind and key name the op that
  // ends (they must match its invoke); the other fields are ignored.
  Call call;
  Reply reply;        // kOk only.
  std::string error;  // kFail and kInfo: why, if known.
  int64_t time_ns = 0;
};

// "invoke", "ok", "fail", "info".
std::string_view EventTypeName(EventType type);

}  // namespace strata::check

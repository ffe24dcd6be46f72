// Key arithmetic for ranges and pages: etcd's range conventions, and where
// a page leaves off.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "strata/types.h"

namespace strata::client::internal {

// The smallest key greater than `key`: key ++ 00.
std::string KeyAfter(std::string_view key);

// etcd's range_end that covers every key starting with `prefix`: the prefix
// without its trailing FF bytes, last byte incremented; "\0" (no bound) when
// nothing is left (empty or all-FF prefix).
std::string PrefixEnd(std::string_view prefix);

// etcd's (key, range_end) for the client's half-open [start, end). Empty
// start is the first key ("\0": etcd keys are never empty); empty end is no
// bound (etcd's "\0").
struct EtcdRange {
  std::string key{};
  std::string range_end{};
};
EtcdRange ToEtcdRange(std::string_view start, std::string_view end);

// A page from the keys a limited Range returned: next_start follows the
// last key, so the next page starts exactly where this one stopped.
ScanPage MakePage(std::vector<KeyValue> kvs, bool more, int64_t revision);

}  // namespace strata::client::internal

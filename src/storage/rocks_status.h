// Translation of RocksDB statuses and C++ exceptions into Strata Status.
// Internal to the storage layer: nothing above it sees a rocksdb type.
#pragma once

#include <exception>
#include <string_view>

#include <rocksdb/status.h>

#include "base/status.h"

namespace strata::storage {

// Maps s to a Status whose message starts with "rocksdb: <context>: ".
// A full disk becomes kResourceExhausted, so that callers can raise the
// NOSPACE alarm; I/O failures kIOError; checksum failures kCorruption.
Status FromRocks(const rocksdb::Status& s, std::string_view context);

// The Status for an exception caught at the layer boundary: std::bad_alloc
// becomes kResourceExhausted, anything else kInternal.
Status FromException(std::exception_ptr e, std::string_view context);

// Runs fn, turning any exception into a Status (or Result) error: nothing
// RocksDB or the standard library throws may cross the layer boundary.
template <typename Fn>
auto Guarded(std::string_view context, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (...) {
    return FromException(std::current_exception(), context);
  }
}

}  // namespace strata::storage

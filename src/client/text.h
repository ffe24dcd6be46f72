// Keys in error messages: binary keys printed readably and bounded.
//
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>

namespace strata::client::internal {

// `key` quoted, printable ASCII kept, other bytes as \xNN, cut after 64
// bytes with "...".
std::string QuoteKey(std::string_view key);

}  // namespace strata::client::internal

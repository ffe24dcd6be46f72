// Encoding of MVCC history keys in column family mvcc (see README.md).
//
//   history key = escape(user_key) 0x00 0x01 | ~main (8 BE) | ~sub (8 BE)
//
// escape() turns each 0x00 byte into 0x00 0xFF, so the 0x00 0x01 terminator
// cannot occur inside it. This makes the encoding order-preserving
// (user keys sort as memcmp) and prefix-free: all versions of one user key
// are contiguous, in [VersionsStart(k), VersionsEnd(k)). Revisions are
// stored inverted so that a key's newest version comes first.
//
// Internal to the kv layer. Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "kv/types.h"

namespace strata::kv {

inline constexpr size_t kRevisionSuffixSize = 16;

// escape(user_key) + terminator: the common prefix of all versions of the key.
std::string VersionsStart(std::string_view user_key);
// The first encoded key after all versions of the key whose prefix this is.
// REQUIRES: prefix was returned by VersionsStart or ParseHistoryKey.
std::string VersionsEnd(std::string_view prefix);
// The history key of user_key at rev. REQUIRES: rev.main >= 0, rev.sub >= 0.
std::string HistoryKey(std::string_view user_key, Revision rev);
// Seek target that lands on the newest version of prefix's key with
// main revision <= main. REQUIRES: main >= 0.
std::string SeekAtOrBelow(std::string_view prefix, int64_t main);

struct ParsedHistoryKey {
  std::string_view prefix;  // VersionsStart(user key); a view into the input.
  Revision revision;
};
// Errors: kCorruption if key is not a well-formed history key.
Result<ParsedHistoryKey> ParseHistoryKey(std::string_view key);
// The user key of a prefix. Errors: kCorruption on a malformed escape.
Result<std::string> DecodeUserKey(std::string_view prefix);

// Bounds, in history-key space, of a user-key range with etcd's conventions:
// empty range_end = the single key; range_end "\0" = every key >= key (and
// every key at all when key is "\0" too); otherwise [key, range_end), empty
// when range_end <= key.
struct HistoryBounds {
  std::string lower;   // Inclusive.
  std::string upper;   // Exclusive; "" = no upper bound.
  bool empty = false;  // True when the range can hold no key.
};
HistoryBounds BoundsForRange(std::string_view key, std::string_view range_end);

}  // namespace strata::kv

// Multi-level keys: (primary, secondary) pairs stored as single etcd keys.
//
// Encoding: escape(primary) ++ 00 01 ++ secondary, where escape() turns
// every 00 byte into 00 FF and leaves other bytes alone. Byte order of the
// encodings equals (primary, secondary) order, and all secondaries of one
// primary form the contiguous range PrimaryRange(primary). The secondary is
// stored raw: it comes last, so no terminator is needed. The proof is in
// docs/client.md ("Multi-level keys").
//
// Thread-safety: pure functions.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace strata::client {

struct MultiLevelKey {
  std::string primary{};    // Any bytes, empty included.
  std::string secondary{};  // Any bytes, empty included.
  auto operator<=>(const MultiLevelKey&) const = default;
};

// The etcd key of k. Never empty. Longer than the parts by 2 bytes plus one
// per 00 byte of the primary.
std::string EncodeMultiLevelKey(const MultiLevelKey& k);

// The key that EncodeMultiLevelKey mapped to `encoded`, or nullopt if
// `encoded` is no such encoding (no terminator, or a 00 followed by a byte
// other than FF or 01 in the primary).
std::optional<MultiLevelKey> DecodeMultiLevelKey(std::string_view encoded);

// A half-open key range [start, end).
struct KeyRange {
  std::string start{};
  std::string end{};
};

// Exactly the encodings of every (primary, s), for all secondaries s.
KeyRange PrimaryRange(std::string_view primary);

}  // namespace strata::client

// Varint64 and varint-length-prefixed byte strings, for the storage
// layer's own records (an encoded WriteBatch, the pending-ingest record).
// Internal to storage. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace strata::storage {

inline void PutVarint64(std::string* dst, uint64_t v) {
  while (v >= 0x80) {
    dst->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  dst->push_back(static_cast<char>(v));
}

// Reads a varint from the front of *src and consumes it; false if malformed.
inline bool GetVarint64(std::string_view* src, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !src->empty(); shift += 7) {
    auto byte = static_cast<uint8_t>(src->front());
    src->remove_prefix(1);
    if (shift == 63 && (byte & 0x7e) != 0) return false;
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

inline void PutLengthPrefixed(std::string* dst, std::string_view s) {
  PutVarint64(dst, s.size());
  dst->append(s);
}

// Reads a varint-length-prefixed string from the front of *src.
inline bool GetLengthPrefixed(std::string_view* src, std::string_view* out) {
  uint64_t size = 0;
  if (!GetVarint64(src, &size) || size > src->size()) return false;
  *out = src->substr(0, size);
  src->remove_prefix(size);
  return true;
}

}  // namespace strata::storage

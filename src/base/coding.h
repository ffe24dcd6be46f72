// Fixed-width little-endian integer encoding for Strata's own record
// formats (raft entries, hard state, membership, snapshot framing). Key
// encodings that must sort use big-endian instead (storage/keys.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace strata {

// Appends the 8 little-endian bytes of v.
inline void PutFixed64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

// The value of the first 8 bytes. REQUIRES: in.size() >= 8.
inline uint64_t DecodeFixed64(std::string_view in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(in[i])} << (8 * i);
  return v;
}

// Reads 8 bytes from the front of *in and consumes them. Returns false (and
// consumes nothing) when fewer than 8 bytes are left.
inline bool GetFixed64(std::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  *v = DecodeFixed64(*in);
  in->remove_prefix(8);
  return true;
}

}  // namespace strata

// Encoding of the value stored under a history key (see README.md):
//
//   put:       0x01 | varint create_revision | varint version | varint lease | value bytes
//   tombstone: 0x02
//
// The mod revision is not stored: it is the history key's main revision.
// Internal to the kv layer. Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace strata::kv {

struct Record {
  bool tombstone = false;
  // The fields below are meaningful only when !tombstone.
  int64_t create_revision = 0;
  int64_t version = 0;
  int64_t lease = 0;
  std::string_view value;  // A view into the encoded bytes.
};

std::string EncodePut(int64_t create_revision, int64_t version, int64_t lease,
                      std::string_view value);
std::string EncodeTombstone();
// Errors: kCorruption on malformed input. The result views into encoded.
Result<Record> DecodeRecord(std::string_view encoded);

}  // namespace strata::kv

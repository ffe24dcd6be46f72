// Key encodings for the engine's column families.
//
// Integers in keys are big-endian fixed 8 bytes, so memcmp order of the
// encoded bytes equals numeric order: a raft log scan for one range visits
// its entries by increasing index. Every decode checks its input and returns
// kCorruption on malformed bytes rather than trusting the disk.
//
// Ids are plain uint64_t here so that storage does not depend on the raft
// layer's strong types; callers pass `range_id.value()`, `index.value()`.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace strata::storage {

// ---- Big-endian fixed64 ----

// Appends the 8 big-endian bytes of value to dst.
void PutFixed64BigEndian(std::string* dst, uint64_t value);
// The 8 big-endian bytes of value.
std::string EncodeFixed64BigEndian(uint64_t value);
// Reads the first 8 bytes of src. REQUIRES: src.size() >= 8.
uint64_t DecodeFixed64BigEndian(std::string_view src);

// ---- cf raft_log: RaftLogKey = range_id (8 BE) | index (8 BE) ----

struct RaftLogKeyParts {
  uint64_t range_id;
  uint64_t index;
  bool operator==(const RaftLogKeyParts&) const = default;
};

inline constexpr size_t kRaftLogKeySize = 16;

// The key of range_id's raft entry at index.
std::string RaftLogKey(uint64_t range_id, uint64_t index);
// Errors: kCorruption unless key is exactly kRaftLogKeySize bytes.
Result<RaftLogKeyParts> DecodeRaftLogKey(std::string_view key);
// [RaftLogRangeStart(r), RaftLogRangeEnd(r)) holds exactly range r's entries:
// use them as iterator bounds or DeleteRange bounds. The end of the last
// possible range id is "" (no upper bound).
std::string RaftLogRangeStart(uint64_t range_id);
std::string RaftLogRangeEnd(uint64_t range_id);

// ---- cf raft_state: HardStateKey = range_id (8 BE) ----

// The key of range_id's raft hard state.
std::string HardStateKey(uint64_t range_id);
// Errors: kCorruption unless key is exactly 8 bytes.
Result<uint64_t> DecodeHardStateKey(std::string_view key);

// ---- cf meta: "<kind>/" prefix, then range_id (8 BE) where per range ----
//
// Readable prefixes keep `ldb scan` output understandable. New kinds need a
// new prefix that is not a prefix of an existing one.

// Highest raft index whose effects are in the state machine, per range.
std::string AppliedIndexKey(uint64_t range_id);
// The range's descriptor (key span, replicas), per range.
std::string RangeDescriptorKey(uint64_t range_id);
// The range's raft membership (conf state), per range.
std::string MembershipKey(uint64_t range_id);
// Metadata of the kv layer, e.g. KvMetaKey("current_revision").
// REQUIRES: name is not empty.
std::string KvMetaKey(std::string_view name);
// The storage layer's record of an IngestTables in progress (RocksEngine).
std::string PendingIngestKey();

}  // namespace strata::storage

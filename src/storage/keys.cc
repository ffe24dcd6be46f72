#include "storage/keys.h"

#include <limits>

#include "base/assert.h"

namespace strata::storage {
namespace {

constexpr size_t kFixed64Size = 8;

std::string RangeKey(std::string_view prefix, uint64_t range_id) {
  std::string key(prefix);
  PutFixed64BigEndian(&key, range_id);
  return key;
}

}  // namespace

void PutFixed64BigEndian(std::string* dst, uint64_t value) {
  char buf[kFixed64Size];
  for (size_t i = 0; i < kFixed64Size; ++i) {
    buf[i] = static_cast<char>(value >> (8 * (kFixed64Size - 1 - i)));
  }
  dst->append(buf, kFixed64Size);
}

std::string EncodeFixed64BigEndian(uint64_t value) {
  std::string out;
  PutFixed64BigEndian(&out, value);
  return out;
}

uint64_t DecodeFixed64BigEndian(std::string_view src) {
  STRATA_ASSERT(src.size() >= kFixed64Size);
  uint64_t value = 0;
  for (size_t i = 0; i < kFixed64Size; ++i) {
    value = (value << 8) | static_cast<uint8_t>(src[i]);
  }
  return value;
}

std::string RaftLogKey(uint64_t range_id, uint64_t index) {
  std::string key;
  key.reserve(kRaftLogKeySize);
  PutFixed64BigEndian(&key, range_id);
  PutFixed64BigEndian(&key, index);
  return key;
}

Result<RaftLogKeyParts> DecodeRaftLogKey(std::string_view key) {
  if (key.size() != kRaftLogKeySize) {
    return Status::Corruption("raft log key has " + std::to_string(key.size()) + " bytes, want 16");
  }
  return RaftLogKeyParts{DecodeFixed64BigEndian(key), DecodeFixed64BigEndian(key.substr(8))};
}

std::string RaftLogRangeStart(uint64_t range_id) { return EncodeFixed64BigEndian(range_id); }

std::string RaftLogRangeEnd(uint64_t range_id) {
  if (range_id == std::numeric_limits<uint64_t>::max()) return "";
  return EncodeFixed64BigEndian(range_id + 1);
}

std::string HardStateKey(uint64_t range_id) { return EncodeFixed64BigEndian(range_id); }

Result<uint64_t> DecodeHardStateKey(std::string_view key) {
  if (key.size() != kFixed64Size) {
    return Status::Corruption("hard state key has " + std::to_string(key.size()) +
                              " bytes, want 8");
  }
  return DecodeFixed64BigEndian(key);
}

std::string AppliedIndexKey(uint64_t range_id) { return RangeKey("applied/", range_id); }
std::string RangeDescriptorKey(uint64_t range_id) { return RangeKey("range/", range_id); }
std::string MembershipKey(uint64_t range_id) { return RangeKey("membership/", range_id); }

std::string KvMetaKey(std::string_view name) {
  STRATA_ASSERT(!name.empty());
  return "kv/" + std::string(name);
}

std::string PendingIngestKey() { return "storage/pending_ingest"; }

}  // namespace strata::storage

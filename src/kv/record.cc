#include "kv/record.h"

namespace strata::kv {
namespace {

constexpr char kPutTag = '\x01';
constexpr char kTombstoneTag = '\x02';

void PutVarint64(std::string* dst, uint64_t v) {
  while (v >= 0x80) {
    dst->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  dst->push_back(static_cast<char>(v));
}

// Reads a varint from the front of *src and advances it; false if malformed.
bool GetVarint64(std::string_view* src, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !src->empty(); shift += 7) {
    uint8_t byte = static_cast<uint8_t>(src->front());
    src->remove_prefix(1);
    if (shift == 63 && (byte & 0x7e) != 0) return false;  // Overflows 64 bits.
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

}  // namespace

std::string EncodePut(int64_t create_revision, int64_t version, int64_t lease,
                      std::string_view value) {
  std::string out;
  out.reserve(1 + 30 + value.size());
  out.push_back(kPutTag);
  PutVarint64(&out, static_cast<uint64_t>(create_revision));
  PutVarint64(&out, static_cast<uint64_t>(version));
  PutVarint64(&out, static_cast<uint64_t>(lease));
  out.append(value);
  return out;
}

std::string EncodeTombstone() { return std::string(1, kTombstoneTag); }

Result<Record> DecodeRecord(std::string_view encoded) {
  if (encoded.empty()) return Status::Corruption("kv: empty history record");
  Record record;
  if (encoded.front() == kTombstoneTag) {
    if (encoded.size() != 1) return Status::Corruption("kv: tombstone record has a payload");
    record.tombstone = true;
    return record;
  }
  if (encoded.front() != kPutTag) return Status::Corruption("kv: unknown history record tag");
  std::string_view rest = encoded.substr(1);
  uint64_t create = 0, version = 0, lease = 0;
  if (!GetVarint64(&rest, &create) || !GetVarint64(&rest, &version) ||
      !GetVarint64(&rest, &lease)) {
    return Status::Corruption("kv: truncated history record");
  }
  record.create_revision = static_cast<int64_t>(create);
  record.version = static_cast<int64_t>(version);
  record.lease = static_cast<int64_t>(lease);
  record.value = rest;
  return record;
}

}  // namespace strata::kv

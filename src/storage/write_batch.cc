#include "storage/write_batch.h"

#include "storage/varint.h"

namespace strata::storage {

void WriteBatch::Put(ColumnFamily cf, std::string_view key, std::string_view value) {
  ops_.push_back(Op{OpType::kPut, cf, std::string(key), std::string(value)});
  byte_size_ += key.size() + value.size();
}

void WriteBatch::Delete(ColumnFamily cf, std::string_view key) {
  ops_.push_back(Op{OpType::kDelete, cf, std::string(key), std::string()});
  byte_size_ += key.size();
}

void WriteBatch::DeleteRange(ColumnFamily cf, std::string_view start, std::string_view end) {
  ops_.push_back(Op{OpType::kDeleteRange, cf, std::string(start), std::string(end)});
  byte_size_ += start.size() + end.size();
}

void WriteBatch::Append(const WriteBatch& other) {
  ops_.insert(ops_.end(), other.ops_.begin(), other.ops_.end());
  byte_size_ += other.byte_size_;
}

void WriteBatch::Clear() {
  ops_.clear();
  byte_size_ = 0;
}

// Encoding: per op, type (1 byte) | cf (1 byte) | key | value, each
// varint-length-prefixed.
std::string WriteBatch::Encode() const {
  std::string out;
  out.reserve(byte_size_ + 8 * ops_.size());
  for (const Op& op : ops_) {
    out.push_back(static_cast<char>(op.type));
    out.push_back(static_cast<char>(op.cf));
    PutLengthPrefixed(&out, op.key);
    PutLengthPrefixed(&out, op.value);
  }
  return out;
}

Result<WriteBatch> WriteBatch::Decode(std::string_view data) {
  WriteBatch batch;
  while (!data.empty()) {
    if (data.size() < 2) return Status::Corruption("storage: truncated write batch");
    auto type = static_cast<uint8_t>(data[0]);
    auto cf = static_cast<uint8_t>(data[1]);
    data.remove_prefix(2);
    std::string_view key, value;
    if (type > static_cast<uint8_t>(OpType::kDeleteRange) || cf >= kNumColumnFamilies ||
        !GetLengthPrefixed(&data, &key) || !GetLengthPrefixed(&data, &value)) {
      return Status::Corruption("storage: malformed write batch");
    }
    auto c = static_cast<ColumnFamily>(cf);
    switch (static_cast<OpType>(type)) {
      case OpType::kPut:
        batch.Put(c, key, value);
        break;
      case OpType::kDelete:
        batch.Delete(c, key);
        break;
      case OpType::kDeleteRange:
        batch.DeleteRange(c, key, value);
        break;
    }
  }
  return batch;
}

}  // namespace strata::storage

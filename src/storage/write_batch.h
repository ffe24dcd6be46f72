// WriteBatch: an ordered list of updates that an Engine applies atomically.
//
// Updates apply in the order they were added, so a later update to a key
// wins over an earlier one. Either every update of a batch becomes visible
// and durable together, or none does.
//
// Thread-safety: a value type; not safe for concurrent mutation.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/column_family.h"

namespace strata::storage {

class WriteBatch {
 public:
  enum class OpType : uint8_t { kPut, kDelete, kDeleteRange };

  // One update. For kDeleteRange, `key` is the inclusive start and `value` the
  // exclusive end of the range.
  struct Op {
    OpType type;
    ColumnFamily cf;
    std::string key;
    std::string value;
  };

  // Sets key to value in cf, replacing any previous value.
  void Put(ColumnFamily cf, std::string_view key, std::string_view value);
  // Removes key from cf. It is not an error if key does not exist.
  void Delete(ColumnFamily cf, std::string_view key);
  // Removes every key k of cf with start <= k < end. An empty range
  // (end <= start) removes nothing.
  void DeleteRange(ColumnFamily cf, std::string_view start, std::string_view end);
  // Appends the updates of other after the updates already in this batch.
  void Append(const WriteBatch& other);
  // Removes every update.
  void Clear();

  // Number of updates added.
  size_t count() const { return ops_.size(); }
  bool empty() const { return ops_.empty(); }
  // Bytes of keys, values and range ends carried: the payload the engine writes.
  size_t byte_size() const { return byte_size_; }
  // The updates in the order they were added (for engines).
  const std::vector<Op>& ops() const { return ops_; }

  // A byte string Decode() turns back into an equal batch (for records the
  // engine keeps on disk, e.g. an interrupted IngestTables).
  std::string Encode() const;
  // Errors: kCorruption for bytes Encode() did not produce.
  static Result<WriteBatch> Decode(std::string_view data);

 private:
  std::vector<Op> ops_;
  size_t byte_size_ = 0;
};

}  // namespace strata::storage

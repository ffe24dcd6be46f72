// The Engine Iterator over one RocksDB column family. Internal to storage.
#pragma once

#include <memory>
#include <string_view>

#include <rocksdb/db.h>

#include "storage/engine.h"

namespace strata::storage {

inline rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
inline std::string_view ToView(const rocksdb::Slice& s) {
  return std::string_view(s.data(), s.size());
}

// An iterator over cf within options' bounds, reading snap (or, if null,
// the state at creation). REQUIRES: db outlives it; snap, if set, too.
std::unique_ptr<Iterator> NewRocksIterator(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                                           const rocksdb::Snapshot* snap, IteratorOptions options);

}  // namespace strata::storage

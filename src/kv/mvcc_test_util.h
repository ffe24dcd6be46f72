// Helpers for kv tests: one-operation transactions and short reads.
#pragma once

#include <gtest/gtest.h>

#include "kv/mvcc_store.h"
#include "storage/memory_engine.h"

namespace strata::kv {

// Commits a transaction holding one Put; returns the previous key-value.
inline std::optional<KeyValue> PutOne(MvccStore& store, std::string_view key,
                                      std::string_view value, int64_t lease = 0) {
  auto txn = store.BeginWrite();
  STRATA_ASSERT_MSG(txn.ok(), txn.status().ToString());
  auto prev = (*txn)->Put(key, value, lease);
  STRATA_ASSERT_MSG(prev.ok(), prev.status().ToString());
  Status committed = (*txn)->Commit(/*sync=*/false);
  STRATA_ASSERT_MSG(committed.ok(), committed.ToString());
  return *prev;
}

// Commits a transaction holding one DeleteRange.
inline DeleteResult DeleteOne(MvccStore& store, std::string_view key,
                              std::string_view range_end = "") {
  auto txn = store.BeginWrite();
  STRATA_ASSERT_MSG(txn.ok(), txn.status().ToString());
  auto deleted = (*txn)->DeleteRange(key, range_end);
  STRATA_ASSERT_MSG(deleted.ok(), deleted.status().ToString());
  Status committed = (*txn)->Commit(/*sync=*/false);
  STRATA_ASSERT_MSG(committed.ok(), committed.ToString());
  return *deleted;
}

// The key as of revision (0 = current), or nullopt if absent.
inline std::optional<KeyValue> GetOne(const MvccStore& store, std::string_view key,
                                      int64_t revision = 0) {
  RangeOptions options;
  options.revision = revision;
  auto result = store.Range(key, "", options);
  STRATA_ASSERT_MSG(result.ok(), result.status().ToString());
  STRATA_ASSERT(result->kvs.size() <= 1);
  if (result->kvs.empty()) return std::nullopt;
  return result->kvs[0];
}

// The keys of a Range result, in order.
inline std::vector<std::string> KeysOf(const RangeResult& result) {
  std::vector<std::string> keys;
  for (const KeyValue& kv : result.kvs) keys.push_back(kv.key);
  return keys;
}

// Number of entries in an engine's column family.
inline size_t CountEntries(const storage::Engine& engine, storage::ColumnFamily cf) {
  auto it = engine.NewIterator(cf, {});
  STRATA_ASSERT(it.ok());
  size_t n = 0;
  for ((*it)->SeekToFirst(); (*it)->Valid(); (*it)->Next()) ++n;
  return n;
}

inline std::unique_ptr<MvccStore> OpenStore(storage::Engine* engine, MvccOptions options = {}) {
  auto store = MvccStore::Open(engine, options);
  STRATA_ASSERT_MSG(store.ok(), store.status().ToString());
  return std::move(store).value();
}

}  // namespace strata::kv

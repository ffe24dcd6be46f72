// MvccStore under concurrent use: one writer, readers and a compactor at
// once. Readers must always see whole transactions.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "kv/mvcc_store.h"
#include "kv/mvcc_test_util.h"
#include "storage/rocks_engine.h"
#include "storage/test_temp_dir.h"

namespace strata::kv {
namespace {

TEST(ConcurrencyTest, ReadersSeeWholeTransactionsWhileCompactionRuns) {
  storage::TestTempDir dir;
  auto engine = storage::RocksEngine::Open(dir.Sub("db"));
  ASSERT_TRUE(engine.ok());
  auto store = OpenStore(engine->get());
  constexpr int kTxns = 400;
  std::atomic<bool> done{false};

  std::thread writer([&] {
    for (int i = 1; i <= kTxns; ++i) {
      auto txn = store->BeginWrite();
      STRATA_ASSERT(txn.ok());
      STRATA_ASSERT((*txn)->Put("a", std::to_string(i)).ok());
      STRATA_ASSERT((*txn)->Put("b", std::to_string(i)).ok());
      if (i % 50 == 0) STRATA_ASSERT((*txn)->Compact((*txn)->revision() - 10).ok());
      STRATA_ASSERT((*txn)->Commit(false).ok());
    }
    done = true;
  });
  std::thread compactor([&] {
    while (!done) STRATA_ASSERT(store->CompactStep(5).ok());
  });

  int reads = 0;
  while (!done || reads < 10) {
    auto result = store->Range("a", "c");
    ASSERT_TRUE(result.ok());
    if (!result->kvs.empty()) {
      ASSERT_EQ(result->kvs.size(), 2u);
      EXPECT_EQ(result->kvs[0].value, result->kvs[1].value);
      EXPECT_EQ(result->kvs[0].mod_revision, result->revision);
    }
    // A read at the compacted revision works or fails cleanly, never half.
    RangeOptions old;
    old.revision = store->CompactedRevision();
    if (old.revision > 0) {
      auto past = store->Range("a", "c", old);
      if (past.ok()) {
        ASSERT_EQ(past->kvs.size(), 2u);
        EXPECT_EQ(past->kvs[0].value, past->kvs[1].value);
      }
    }
    ++reads;
  }
  writer.join();
  compactor.join();
  while (!*store->CompactStep(1000)) {
  }
  EXPECT_EQ(store->CurrentRevision(), kTxns + 1);
  EXPECT_EQ(GetOne(*store, "a")->version, kTxns);
  // Ten revisions of history per key survive the last compaction.
  EXPECT_EQ(CountEntries(**engine, storage::ColumnFamily::kMvcc), 2u * 11);
}

}  // namespace
}  // namespace strata::kv

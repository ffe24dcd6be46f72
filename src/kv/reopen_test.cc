// Reopening a store restores its revisions; a crash never leaves half a
// transaction.
#include <gtest/gtest.h>

#include "kv/errors.h"
#include "kv/mvcc_store.h"
#include "kv/mvcc_test_util.h"
#include "storage/keys.h"
#include "storage/rocks_engine.h"
#include "storage/test_temp_dir.h"

namespace strata::kv {
namespace {

TEST(ReopenTest, RocksEngineReopenRestoresRevisionsAndData) {
  storage::TestTempDir dir;
  {
    auto engine = storage::RocksEngine::Open(dir.Sub("db"));
    ASSERT_TRUE(engine.ok());
    auto store = OpenStore(engine->get());
    for (int i = 0; i < 6; ++i) PutOne(*store, "k", std::to_string(i));  // 2..7
    DeleteOne(*store, "k");                                              // 8
    PutOne(*store, "other", "x");                                        // 9
    ASSERT_TRUE(store->Compact(5).ok());                                 // Commits with sync.
  }
  auto engine = storage::RocksEngine::Open(dir.Sub("db"));
  ASSERT_TRUE(engine.ok());
  auto store = OpenStore(engine->get());
  EXPECT_EQ(store->CurrentRevision(), 9);
  EXPECT_EQ(store->CompactedRevision(), 5);
  EXPECT_FALSE(store->CompactionPending());
  EXPECT_EQ(GetOne(*store, "k", 5)->value, "3");
  EXPECT_EQ(GetOne(*store, "k"), std::nullopt);
  RangeOptions old;
  old.revision = 4;
  EXPECT_TRUE(IsCompactedError(store->Range("k", "", old).status()));
  PutOne(*store, "k", "again");
  EXPECT_EQ(GetOne(*store, "k"), (KeyValue{"k", 10, 10, 1, "again", 0}));
}

TEST(ReopenTest, PendingCompactionResumesAfterReopen) {
  storage::MemoryEngine engine;
  {
    auto store = OpenStore(&engine);
    for (int i = 0; i < 10; ++i) PutOne(*store, "k" + std::to_string(i % 2), "v");
    auto txn = store->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Compact(11).ok());
    ASSERT_TRUE((*txn)->Commit(true).ok());
    ASSERT_FALSE(*store->CompactStep(3));  // Part of the work only.
  }
  auto store = OpenStore(&engine);
  EXPECT_EQ(store->CompactedRevision(), 11);
  EXPECT_TRUE(store->CompactionPending());
  while (!*store->CompactStep(3)) {
  }
  EXPECT_EQ(CountEntries(engine, storage::ColumnFamily::kMvcc), 2u);
}

TEST(ReopenTest, PowerLossKeepsWholeTransactionsOnly) {
  storage::MemoryEngine engine;
  {
    auto store = OpenStore(&engine);
    auto txn = store->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Put("a", "1").ok());
    (*txn)->batch()->Put(storage::ColumnFamily::kMeta, storage::AppliedIndexKey(1), "1");
    ASSERT_TRUE((*txn)->Commit(/*sync=*/true).ok());
    txn = store->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Put("a", "2").ok());
    ASSERT_TRUE((*txn)->Put("b", "2").ok());
    (*txn)->batch()->Put(storage::ColumnFamily::kMeta, storage::AppliedIndexKey(1), "2");
    ASSERT_TRUE((*txn)->Commit(/*sync=*/false).ok());
  }
  engine.DropUnsynced();
  auto store = OpenStore(&engine);
  EXPECT_EQ(store->CurrentRevision(), 2);
  EXPECT_EQ(GetOne(*store, "a")->value, "1");
  EXPECT_EQ(GetOne(*store, "b"), std::nullopt);
  EXPECT_EQ(*engine.Get(storage::ColumnFamily::kMeta, storage::AppliedIndexKey(1)), "1");
}

TEST(ReopenTest, MalformedStoredRevisionIsCorruption) {
  storage::MemoryEngine engine;
  storage::WriteBatch batch;
  batch.Put(storage::ColumnFamily::kMeta, storage::KvMetaKey("current_revision"), "bad");
  ASSERT_TRUE(engine.Write(batch, true).ok());
  EXPECT_EQ(MvccStore::Open(&engine).status().code(), StatusCode::kCorruption);

  storage::WriteBatch inconsistent;
  inconsistent.Put(storage::ColumnFamily::kMeta, storage::KvMetaKey("current_revision"),
                   storage::EncodeFixed64BigEndian(3));
  inconsistent.Put(storage::ColumnFamily::kMeta, storage::KvMetaKey("compacted_revision"),
                   storage::EncodeFixed64BigEndian(4));
  ASSERT_TRUE(engine.Write(inconsistent, true).ok());
  EXPECT_EQ(MvccStore::Open(&engine).status().code(), StatusCode::kCorruption);
}

}  // namespace
}  // namespace strata::kv

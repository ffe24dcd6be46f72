// MvccStore batches: many WriteTxns, one engine write (MvccStore::BeginBatch).
#include <gtest/gtest.h>

#include "kv/mvcc_store.h"
#include "kv/mvcc_test_util.h"

namespace strata::kv {
namespace {

class MvccBatchTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = OpenStore(&engine_); }

  storage::MemoryEngine engine_;
  std::unique_ptr<MvccStore> store_;
};

TEST_F(MvccBatchTest, TransactionsInABatchSeeEachOtherAndReadersSeeThemOnlyAfterCommit) {
  PutOne(*store_, "a", "before");
  store_->BeginBatch();
  EXPECT_TRUE(store_->batch_open());
  EXPECT_EQ(PutOne(*store_, "a", "one"), (KeyValue{"a", 2, 2, 1, "before", 0}));
  EXPECT_EQ(PutOne(*store_, "a", "two"), (KeyValue{"a", 2, 3, 2, "one", 0}));
  EXPECT_EQ(PutOne(*store_, "b", "new"), std::nullopt);
  DeleteResult deleted = DeleteOne(*store_, "b");
  EXPECT_EQ(deleted.deleted, 1);

  // Nothing of the batch is in the engine or visible to readers yet.
  EXPECT_EQ(store_->CurrentRevision(), 2);
  EXPECT_EQ(GetOne(*store_, "a"), (KeyValue{"a", 2, 2, 1, "before", 0}));
  EXPECT_EQ(CountEntries(engine_, storage::ColumnFamily::kMvcc), 1u);

  ASSERT_TRUE(store_->CommitBatch(/*sync=*/false).ok());
  EXPECT_FALSE(store_->batch_open());
  EXPECT_EQ(store_->CurrentRevision(), 6);
  EXPECT_EQ(GetOne(*store_, "a"), (KeyValue{"a", 2, 4, 3, "two", 0}));
  EXPECT_EQ(GetOne(*store_, "a", 3), (KeyValue{"a", 2, 3, 2, "one", 0}));
  EXPECT_EQ(GetOne(*store_, "b"), std::nullopt);
  EXPECT_EQ(GetOne(*store_, "b", 5), (KeyValue{"b", 5, 5, 1, "new", 0}));
  EXPECT_EQ(CountEntries(engine_, storage::ColumnFamily::kMvcc), 5u);
}

TEST_F(MvccBatchTest, AnAbortedTransactionLeavesNoTraceInTheBatch) {
  store_->BeginBatch();
  PutOne(*store_, "kept", "1");
  {
    auto txn = store_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Put("dropped", "x").ok());
    ASSERT_TRUE((*txn)->Put("kept", "x").ok());
  }  // Destroyed without Commit.
  // The next transaction takes the revision the aborted one did not.
  EXPECT_EQ(PutOne(*store_, "kept", "2"), (KeyValue{"kept", 2, 2, 1, "1", 0}));
  ASSERT_TRUE(store_->CommitBatch(/*sync=*/false).ok());
  EXPECT_EQ(store_->CurrentRevision(), 3);
  EXPECT_EQ(GetOne(*store_, "dropped"), std::nullopt);
  EXPECT_EQ(GetOne(*store_, "kept"), (KeyValue{"kept", 2, 3, 2, "2", 0}));
  EXPECT_EQ(CountEntries(engine_, storage::ColumnFamily::kMvcc), 2u);
}

TEST_F(MvccBatchTest, ACompactionInABatchIsPublishedAtCommit) {
  PutOne(*store_, "k", "1");
  PutOne(*store_, "k", "2");
  store_->BeginBatch();
  {
    auto txn = store_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Compact(3).ok());
    ASSERT_TRUE((*txn)->Commit(/*sync=*/false).ok());
  }
  EXPECT_EQ(store_->CompactedRevision(), 0);
  // A second compaction in the same batch sees the first.
  {
    auto txn = store_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    EXPECT_FALSE((*txn)->Compact(3).ok());
  }
  ASSERT_TRUE(store_->CommitBatch(/*sync=*/false).ok());
  EXPECT_EQ(store_->CompactedRevision(), 3);
  EXPECT_TRUE(store_->CompactionPending());
}

TEST_F(MvccBatchTest, AnEmptyBatchCommitsNothing) {
  store_->BeginBatch();
  ASSERT_TRUE(store_->CommitBatch(/*sync=*/true).ok());
  EXPECT_EQ(store_->CurrentRevision(), 1);
  // Batches come one after another.
  store_->BeginBatch();
  PutOne(*store_, "k", "v");
  ASSERT_TRUE(store_->CommitBatch(/*sync=*/false).ok());
  EXPECT_EQ(GetOne(*store_, "k"), (KeyValue{"k", 2, 2, 1, "v", 0}));
}

}  // namespace
}  // namespace strata::kv

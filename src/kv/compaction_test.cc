// Compact: the compacted revision takes effect at once; physical removal of
// history below it, in bounded steps.
#include <gtest/gtest.h>

#include "kv/errors.h"
#include "kv/mvcc_store.h"
#include "kv/mvcc_test_util.h"

namespace strata::kv {
namespace {

using storage::ColumnFamily;

class CompactionTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = OpenStore(&engine_); }

  size_t HistoryEntries() { return CountEntries(engine_, ColumnFamily::kMvcc); }

  Status RangeStatusAt(int64_t revision) {
    RangeOptions options;
    options.revision = revision;
    return store_->Range("a", "z", options).status();
  }

  storage::MemoryEngine engine_;
  std::unique_ptr<MvccStore> store_;
};

TEST_F(CompactionTest, ReadsBelowCompactedRevisionFailWithEtcdsError) {
  for (int i = 0; i < 8; ++i) PutOne(*store_, "k", std::to_string(i));  // Revisions 2..9.
  ASSERT_TRUE(store_->Compact(5).ok());
  EXPECT_EQ(store_->CompactedRevision(), 5);

  Status below = RangeStatusAt(4);
  EXPECT_TRUE(IsCompactedError(below));
  EXPECT_EQ(below.code(), StatusCode::kCompacted);
  EXPECT_EQ(below.message(), "mvcc: required revision has been compacted");
  EXPECT_TRUE(IsFutureRevisionError(RangeStatusAt(10)));

  // At and after the compacted revision, reads are intact.
  EXPECT_EQ(GetOne(*store_, "k", 5)->value, "3");
  EXPECT_EQ(GetOne(*store_, "k", 5)->version, 4);
  EXPECT_EQ(GetOne(*store_, "k", 7)->value, "5");
  EXPECT_EQ(GetOne(*store_, "k")->value, "7");
  EXPECT_EQ(GetOne(*store_, "k")->create_revision, 2);
}

TEST_F(CompactionTest, CompactRejectsOldAndFutureRevisions) {
  for (int i = 0; i < 4; ++i) PutOne(*store_, "k", "v");  // Current: 5.
  EXPECT_TRUE(IsFutureRevisionError(store_->Compact(6)));
  ASSERT_TRUE(store_->Compact(3).ok());
  EXPECT_TRUE(IsCompactedError(store_->Compact(3)));
  EXPECT_TRUE(IsCompactedError(store_->Compact(2)));
  ASSERT_TRUE(store_->Compact(5).ok());  // The current revision itself is fine.
  EXPECT_EQ(store_->CompactedRevision(), 5);
}

TEST_F(CompactionTest, HistoryBelowCompactedRevisionIsDropped) {
  for (int i = 0; i < 10; ++i) PutOne(*store_, "k", std::to_string(i));  // Revisions 2..11.
  PutOne(*store_, "other", "x");                                         // Revision 12.
  EXPECT_EQ(HistoryEntries(), 11u);
  ASSERT_TRUE(store_->Compact(8).ok());
  // "k" keeps its version at 8 and the three after; "other" is untouched.
  EXPECT_EQ(HistoryEntries(), 5u);
  EXPECT_FALSE(store_->CompactionPending());
  EXPECT_EQ(GetOne(*store_, "k", 8)->value, "6");
}

TEST_F(CompactionTest, TombstoneAtOrBelowCompactedRevisionGoesWithItsKey) {
  PutOne(*store_, "gone", "1");   // 2
  DeleteOne(*store_, "gone");     // 3
  PutOne(*store_, "later", "1");  // 4
  DeleteOne(*store_, "later");    // 5: after the compaction point.
  ASSERT_TRUE(store_->Compact(4).ok());
  // "gone": nothing left. "later": its live version at 4 and the tombstone.
  EXPECT_EQ(HistoryEntries(), 2u);
  EXPECT_EQ(GetOne(*store_, "gone", 4), std::nullopt);
  EXPECT_EQ(GetOne(*store_, "later", 4)->value, "1");
  EXPECT_EQ(GetOne(*store_, "later"), std::nullopt);
}

TEST_F(CompactionTest, BoundedStepsFinishTheSameWork) {
  for (int round = 0; round < 5; ++round) {
    for (int key = 0; key < 20; ++key) PutOne(*store_, "k" + std::to_string(key), "v");
  }
  const int64_t current = store_->CurrentRevision();
  {
    auto txn = store_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Compact(current).ok());
    ASSERT_TRUE((*txn)->Commit(true).ok());
  }
  EXPECT_TRUE(store_->CompactionPending());
  EXPECT_EQ(HistoryEntries(), 100u);
  int steps = 0;
  while (true) {
    auto done = store_->CompactStep(7);
    ASSERT_TRUE(done.ok());
    ++steps;
    // Writes between steps do not disturb the pass.
    if (steps == 3) PutOne(*store_, "k5", "newer");
    if (*done) break;
  }
  EXPECT_GT(steps, 10);
  EXPECT_FALSE(store_->CompactionPending());
  EXPECT_EQ(HistoryEntries(), 21u);  // One version per key, plus the newer k5.
  EXPECT_EQ(GetOne(*store_, "k5", current)->value, "v");
  EXPECT_EQ(GetOne(*store_, "k5")->value, "newer");
  EXPECT_EQ(store_->Range("k", "l")->count, 20);
}

TEST_F(CompactionTest, CompactedRevisionReadsWorkDuringPhysicalRemoval) {
  for (int i = 0; i < 5; ++i) PutOne(*store_, "k", std::to_string(i));  // 2..6
  auto txn = store_->BeginWrite();
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE((*txn)->Compact(6).ok());
  ASSERT_TRUE((*txn)->Commit(false).ok());
  // Reading the compacted revision works during and after physical removal.
  ASSERT_TRUE(store_->CompactStep(1).ok());
  EXPECT_EQ(GetOne(*store_, "k", 6)->value, "4");
  while (!*store_->CompactStep(1)) {
  }
  EXPECT_EQ(GetOne(*store_, "k", 6)->value, "4");
  EXPECT_EQ(HistoryEntries(), 1u);
}

}  // namespace
}  // namespace strata::kv

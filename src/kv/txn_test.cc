// WriteTxn: shared main revision, reads of its own writes, atomic commit with
// the caller's entries, abort.
#include <gtest/gtest.h>

#include "kv/errors.h"
#include "kv/history_key.h"
#include "kv/mvcc_store.h"
#include "kv/mvcc_test_util.h"
#include "storage/keys.h"

namespace strata::kv {
namespace {

class WriteTxnTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = OpenStore(&engine_); }

  std::unique_ptr<WriteTxn> Begin() {
    auto txn = store_->BeginWrite();
    STRATA_ASSERT_MSG(txn.ok(), txn.status().ToString());
    return std::move(txn).value();
  }

  bool HistoryEntryExists(std::string_view key, Revision rev) {
    auto value = engine_.Get(storage::ColumnFamily::kMvcc, HistoryKey(key, rev));
    STRATA_ASSERT(value.ok());
    return value->has_value();
  }

  storage::MemoryEngine engine_;
  std::unique_ptr<MvccStore> store_;
};

TEST_F(WriteTxnTest, OpsShareOneMainRevisionWithSubRevisionsInOrder) {
  PutOne(*store_, "c", "old");  // Revision 2.
  auto txn = Begin();
  EXPECT_EQ(txn->revision(), 3);
  ASSERT_TRUE(txn->Put("a", "1").ok());
  ASSERT_TRUE(txn->Put("b", "1").ok());
  ASSERT_EQ(txn->DeleteRange("c", "")->deleted, 1);
  ASSERT_TRUE(txn->Commit(/*sync=*/true).ok());

  EXPECT_EQ(store_->CurrentRevision(), 3);
  EXPECT_EQ(GetOne(*store_, "a")->mod_revision, 3);
  EXPECT_EQ(GetOne(*store_, "b")->mod_revision, 3);
  EXPECT_TRUE(HistoryEntryExists("a", {3, 0}));
  EXPECT_TRUE(HistoryEntryExists("b", {3, 1}));
  EXPECT_TRUE(HistoryEntryExists("c", {3, 2}));  // The tombstone.
}

TEST_F(WriteTxnTest, ReadsSeeOwnWritesOnlyInsideTheTxn) {
  PutOne(*store_, "a", "1");  // Revision 2.
  auto txn = Begin();
  EXPECT_EQ(txn->current_revision(), 2);
  ASSERT_TRUE(txn->Put("a", "2").ok());
  ASSERT_TRUE(txn->Put("b", "2").ok());
  EXPECT_EQ(txn->current_revision(), 3);

  auto inside = txn->Range("a", "c");
  ASSERT_TRUE(inside.ok());
  ASSERT_EQ(inside->kvs.size(), 2u);
  EXPECT_EQ(inside->kvs[0], (KeyValue{"a", 2, 3, 2, "2", 0}));
  EXPECT_EQ(inside->revision, 3);
  // An older revision through the txn does not see the staged changes.
  RangeOptions at_two;
  at_two.revision = 2;
  EXPECT_EQ(txn->Range("a", "c", at_two)->kvs.size(), 1u);
  at_two.revision = 4;
  EXPECT_TRUE(IsFutureRevisionError(txn->Range("a", "c", at_two).status()));

  // Other readers see nothing until commit.
  EXPECT_EQ(GetOne(*store_, "a")->value, "1");
  EXPECT_EQ(GetOne(*store_, "b"), std::nullopt);
  ASSERT_TRUE(txn->Commit(false).ok());
  EXPECT_EQ(GetOne(*store_, "b")->value, "2");
}

TEST_F(WriteTxnTest, RepeatedPutsAndDeleteInOneTxn) {
  auto txn = Begin();
  ASSERT_TRUE(txn->Put("k", "1").ok());
  auto prev = txn->Put("k", "2");
  ASSERT_TRUE(prev.ok());
  EXPECT_EQ(**prev, (KeyValue{"k", 2, 2, 1, "1", 0}));
  ASSERT_EQ(txn->DeleteRange("k", "")->deleted, 1);
  EXPECT_EQ(*txn->Put("k", "3"), std::nullopt);
  ASSERT_TRUE(txn->Commit(false).ok());
  EXPECT_EQ(GetOne(*store_, "k"), (KeyValue{"k", 2, 2, 1, "3", 0}));
}

TEST_F(WriteTxnTest, ReadOnlyTxnTakesNoRevision) {
  PutOne(*store_, "a", "1");
  const size_t writes_before = engine_.unsynced_write_count();
  auto txn = Begin();
  ASSERT_TRUE(txn->Range("a", "").ok());
  EXPECT_EQ(txn->DeleteRange("zzz", "")->deleted, 0);
  ASSERT_TRUE(txn->Commit(false).ok());
  EXPECT_EQ(store_->CurrentRevision(), 2);
  // And wrote nothing at all.
  EXPECT_EQ(engine_.unsynced_write_count(), writes_before);
}

TEST_F(WriteTxnTest, DestroyWithoutCommitDiscardsEverything) {
  {
    auto txn = Begin();
    ASSERT_TRUE(txn->Put("a", "1").ok());
    txn->batch()->Put(storage::ColumnFamily::kMeta, storage::AppliedIndexKey(1), "5");
  }
  EXPECT_EQ(store_->CurrentRevision(), 1);
  EXPECT_EQ(GetOne(*store_, "a"), std::nullopt);
  EXPECT_EQ(CountEntries(engine_, storage::ColumnFamily::kMvcc), 0u);
  EXPECT_EQ(CountEntries(engine_, storage::ColumnFamily::kMeta), 0u);
  PutOne(*store_, "a", "1");  // A new txn can start.
  EXPECT_EQ(GetOne(*store_, "a")->mod_revision, 2);
}

TEST_F(WriteTxnTest, CallerEntriesCommitAtomicallyWithTheTxn) {
  auto txn = Begin();
  ASSERT_TRUE(txn->Put("a", "1").ok());
  txn->batch()->Put(storage::ColumnFamily::kMeta, storage::AppliedIndexKey(1), "applied-7");
  ASSERT_TRUE(txn->Commit(false).ok());
  EXPECT_EQ(*engine_.Get(storage::ColumnFamily::kMeta, storage::AppliedIndexKey(1)), "applied-7");

  // A failed write applies neither part and leaves the revision alone.
  engine_.FailWritesWith(Status::IOError("fsync failed"));
  txn = Begin();
  ASSERT_TRUE(txn->Put("a", "2").ok());
  txn->batch()->Put(storage::ColumnFamily::kMeta, storage::AppliedIndexKey(1), "applied-8");
  EXPECT_EQ(txn->Commit(true).code(), StatusCode::kIOError);
  txn.reset();
  EXPECT_EQ(store_->CurrentRevision(), 2);
  EXPECT_EQ(GetOne(*store_, "a")->value, "1");
  EXPECT_EQ(*engine_.Get(storage::ColumnFamily::kMeta, storage::AppliedIndexKey(1)), "applied-7");
  engine_.FailWritesWith(Status::Ok());
  PutOne(*store_, "a", "3");
  EXPECT_EQ(GetOne(*store_, "a")->mod_revision, 3);
}

TEST_F(WriteTxnTest, CallerEntriesAloneAreWrittenWithoutRevision) {
  auto txn = Begin();
  txn->batch()->Put(storage::ColumnFamily::kMeta, storage::AppliedIndexKey(1), "9");
  ASSERT_TRUE(txn->Commit(false).ok());
  EXPECT_EQ(store_->CurrentRevision(), 1);
  EXPECT_EQ(*engine_.Get(storage::ColumnFamily::kMeta, storage::AppliedIndexKey(1)), "9");
}

TEST_F(WriteTxnTest, EventsDescribeEachChange) {
  PutOne(*store_, "a", "old");  // Revision 2.
  auto txn = Begin();
  ASSERT_TRUE(txn->Put("a", "new", 5).ok());
  ASSERT_TRUE(txn->DeleteRange("a", "b").ok());
  const KeyValue old_a{"a", 2, 2, 1, "old", 0};
  const KeyValue new_a{"a", 2, 3, 2, "new", 5};
  KeyValue tombstone;
  tombstone.key = "a";
  tombstone.mod_revision = 3;
  std::vector<Event> want = {Event{Event::Type::kPut, new_a, old_a},
                             Event{Event::Type::kDelete, tombstone, new_a}};
  EXPECT_EQ(txn->events(), want);
  ASSERT_TRUE(txn->Commit(false).ok());
}

TEST_F(WriteTxnTest, EmptyKeyIsRejectedAndStagesNothing) {
  auto txn = Begin();
  EXPECT_EQ(txn->Put("", "v").status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(txn->events().empty());
  ASSERT_TRUE(txn->Commit(false).ok());
  EXPECT_EQ(store_->CurrentRevision(), 1);
}

}  // namespace
}  // namespace strata::kv

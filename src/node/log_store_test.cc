#include "node/log_store.h"

#include <gtest/gtest.h>

#include "storage/keys.h"
#include "storage/memory_engine.h"

namespace strata::node {
namespace {

using raft::Entry;
using raft::Index;
using raft::Term;

std::vector<Entry> Ents(uint64_t from, uint64_t to, uint64_t term) {
  std::vector<Entry> out;
  for (uint64_t i = from; i <= to; ++i) {
    out.push_back(Entry{Term(term), Index(i), raft::EntryType::kNormal, "d" + std::to_string(i)});
  }
  return out;
}

class LogStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<RangeLogStore> Open(raft::RangeId range = raft::RangeId(1)) {
    auto s = RangeLogStore::Open(&engine_, range, conf_, [] {
      return Result<raft::Snapshot>(raft::Snapshot{{Index(3), Term(1), {}}, "state"});
    });
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(*s);
  }
  void Persist(RangeLogStore* store, const std::vector<Entry>& ents) {
    storage::WriteBatch b;
    store->stage_entries(ents, &b);
    ASSERT_TRUE(engine_.Write(b, true).ok());
    store->entries_persisted(ents);
  }

  storage::MemoryEngine engine_;
  raft::ConfState conf_{{raft::NodeId(1)}, {}, {}, {}, false};
};

TEST_F(LogStoreTest, EntryCodecRoundTripsAndRejectsGarbage) {
  Entry e{Term(7), Index(9), raft::EntryType::kConfChange, std::string("a\0b", 3)};
  auto back = DecodeEntry(Index(9), EncodeEntry(e));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, e);
  EXPECT_TRUE(DecodeEntry(Index(1), "short").status().Is(StatusCode::kCorruption));
  std::string bad = EncodeEntry(e);
  bad[0] = 9;
  EXPECT_TRUE(DecodeEntry(Index(1), bad).status().Is(StatusCode::kCorruption));
}

TEST_F(LogStoreTest, EntriesAndHardStateSurviveReopen) {
  auto store = Open();
  Persist(store.get(), Ents(1, 5, 1));
  raft::HardState hs{Term(2), raft::NodeId(1), Index(4)};
  storage::WriteBatch b;
  store->stage_hard_state(hs, &b);
  ASSERT_TRUE(engine_.Write(b, true).ok());
  store->hard_state_persisted(hs);

  auto reopened = Open();
  EXPECT_EQ(reopened->last_index(), Index(5));
  EXPECT_EQ(*reopened->entries(Index(1), Index(6), UINT64_MAX), Ents(1, 5, 1));
  EXPECT_EQ(reopened->initial_state()->hard_state, hs);
  EXPECT_EQ(reopened->initial_state()->conf_state, conf_);
}

TEST_F(LogStoreTest, ConflictingSuffixIsReplacedOnDisk) {
  auto store = Open();
  Persist(store.get(), Ents(1, 6, 1));
  Persist(store.get(), Ents(3, 4, 2));
  EXPECT_EQ(store->last_index(), Index(4));
  auto reopened = Open();
  EXPECT_EQ(reopened->last_index(), Index(4)) << "stale entries 5 and 6 must be gone from disk";
  EXPECT_EQ(*reopened->term(Index(4)), Term(2));
}

TEST_F(LogStoreTest, CompactionAndSnapshotMoveTheStart) {
  auto store = Open();
  Persist(store.get(), Ents(1, 10, 3));
  storage::WriteBatch b;
  ASSERT_TRUE(store->stage_compaction(Index(6), &b).ok());
  ASSERT_TRUE(engine_.Write(b, true).ok());
  store->compaction_persisted(Index(6));
  EXPECT_EQ(store->first_index(), Index(7));
  storage::WriteBatch again;
  EXPECT_TRUE(store->stage_compaction(Index(5), &again).Is(StatusCode::kCompacted));

  auto reopened = Open();
  EXPECT_EQ(reopened->first_index(), Index(7));
  EXPECT_EQ(*reopened->term(Index(6)), Term(3));
  EXPECT_EQ(reopened->last_index(), Index(10));

  raft::SnapshotMetadata md{Index(50), Term(4), conf_};
  storage::WriteBatch sb;
  reopened->stage_snapshot(md, &sb);
  ASSERT_TRUE(engine_.Write(sb, true).ok());
  reopened->snapshot_persisted(md);
  auto after = Open();
  EXPECT_EQ(after->first_index(), Index(51));
  EXPECT_EQ(after->last_index(), Index(50));
  EXPECT_EQ(*after->term(Index(50)), Term(4));
}

TEST_F(LogStoreTest, RangesAreIndependent) {
  auto one = Open(raft::RangeId(1));
  auto two = Open(raft::RangeId(2));
  Persist(one.get(), Ents(1, 3, 1));
  Persist(two.get(), Ents(1, 7, 1));
  EXPECT_EQ(Open(raft::RangeId(1))->last_index(), Index(3));
  EXPECT_EQ(Open(raft::RangeId(2))->last_index(), Index(7));
}

TEST_F(LogStoreTest, HoleInLogIsCorruption) {
  auto store = Open();
  Persist(store.get(), Ents(1, 5, 1));
  storage::WriteBatch b;
  b.Delete(storage::ColumnFamily::kRaftLog, storage::RaftLogKey(1, 3));
  ASSERT_TRUE(engine_.Write(b, true).ok());
  auto s = RangeLogStore::Open(&engine_, raft::RangeId(1), conf_,
                               [] { return Result<raft::Snapshot>(Status::Unavailable("none")); });
  EXPECT_TRUE(s.status().Is(StatusCode::kCorruption));
}

}  // namespace
}  // namespace strata::node

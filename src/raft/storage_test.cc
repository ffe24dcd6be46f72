#include "raft/storage.h"

#include <gtest/gtest.h>

namespace strata::raft {
namespace {

std::vector<Entry> Ents(uint64_t from, uint64_t to, uint64_t term) {
  std::vector<Entry> out;
  for (uint64_t i = from; i <= to; ++i) out.push_back(Entry{Term(term), Index(i), {}, "x"});
  return out;
}

TEST(MemoryStorageTest, EmptyStorageHasDummyAtZero) {
  MemoryStorage s;
  EXPECT_EQ(s.first_index(), Index(1));
  EXPECT_EQ(s.last_index(), Index(0));
  EXPECT_EQ(*s.term(Index(0)), Term(0));
  EXPECT_TRUE(s.term(Index(1)).status().Is(StatusCode::kUnavailable));
}

TEST(MemoryStorageTest, AppendTruncatesConflictingSuffix) {
  MemoryStorage s;
  s.append(Ents(1, 5, 1));
  s.append(Ents(4, 6, 2));
  EXPECT_EQ(s.last_index(), Index(6));
  EXPECT_EQ(*s.term(Index(3)), Term(1));
  EXPECT_EQ(*s.term(Index(4)), Term(2));
}

TEST(MemoryStorageTest, EntriesRespectsByteLimitButReturnsOne) {
  MemoryStorage s;
  s.append(Ents(1, 5, 1));
  auto one = s.entries(Index(1), Index(6), 0);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 1u);
  auto all = s.entries(Index(1), Index(6), UINT64_MAX);
  EXPECT_EQ(all->size(), 5u);
  EXPECT_TRUE(s.entries(Index(2), Index(8), UINT64_MAX).status().Is(StatusCode::kUnavailable));
}

TEST(MemoryStorageTest, CompactAndSnapshot) {
  MemoryStorage s;
  s.append(Ents(1, 10, 1));
  ConfState cs{{NodeId(1), NodeId(2)}, {}, {}, {}, false};
  auto snap = s.create_snapshot(Index(7), cs, "image");
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->metadata.term, Term(1));
  ASSERT_TRUE(s.compact(Index(7)).ok());
  EXPECT_EQ(s.first_index(), Index(8));
  EXPECT_TRUE(s.entries(Index(5), Index(9), UINT64_MAX).status().Is(StatusCode::kCompacted));
  EXPECT_EQ(*s.term(Index(7)), Term(1));
  EXPECT_TRUE(s.compact(Index(5)).Is(StatusCode::kCompacted));
  EXPECT_TRUE(s.create_snapshot(Index(6), cs, "").status().Is(StatusCode::kFailedPrecondition));
  EXPECT_EQ(s.initial_state()->conf_state, cs);
}

TEST(MemoryStorageTest, ApplySnapshotReplacesLogAndRefusesOlder) {
  MemoryStorage s;
  s.append(Ents(1, 3, 1));
  Snapshot snap{{Index(20), Term(4), ConfState{{NodeId(1)}, {}, {}, {}, false}}, "d"};
  ASSERT_TRUE(s.apply_snapshot(snap).ok());
  EXPECT_EQ(s.first_index(), Index(21));
  EXPECT_EQ(s.last_index(), Index(20));
  EXPECT_EQ(*s.term(Index(20)), Term(4));
  Snapshot older{{Index(10), Term(2), {}}, ""};
  EXPECT_TRUE(s.apply_snapshot(older).Is(StatusCode::kFailedPrecondition));
  EXPECT_EQ(s.snapshot()->metadata.index, Index(20));
}

TEST(ConfChangeCodecTest, RoundTripsAndRejectsGarbage) {
  ConfChange cc;
  cc.transition = ConfChangeTransition::kExplicit;
  cc.changes = {{ConfChangeType::kAddLearner, NodeId(4)}, {ConfChangeType::kRemoveNode, NodeId(2)}};
  cc.context = "http://127.0.0.1:2380";
  ConfChange back;
  ASSERT_TRUE(ConfChange::Decode(cc.Encode(), &back));
  EXPECT_EQ(back, cc);
  std::string enc = cc.Encode();
  EXPECT_FALSE(ConfChange::Decode(enc.substr(0, enc.size() - 1) + "", &back) &&
               back.context == cc.context);
  EXPECT_FALSE(ConfChange::Decode("", &back));
  EXPECT_FALSE(ConfChange::Decode(std::string("\x01\x09", 2), &back));
  for (size_t cut = 0; cut + 1 < 12; ++cut)
    EXPECT_FALSE(ConfChange::Decode(enc.substr(0, cut), &back));
}

}  // namespace
}  // namespace strata::raft

#include "raft/log.h"

#include <gtest/gtest.h>

namespace strata::raft {
namespace {

std::vector<Entry> Ents(std::vector<std::pair<uint64_t, uint64_t>> index_term) {
  std::vector<Entry> out;
  for (auto [i, t] : index_term) out.push_back(Entry{Term(t), Index(i), {}, ""});
  return out;
}

TEST(RaftLogTest, MaybeAppendRejectsMismatchAndTruncatesConflicts) {
  MemoryStorage s;
  s.append(Ents({{1, 1}, {2, 2}, {3, 3}}));
  RaftLog log(&s, UINT64_MAX);
  EXPECT_FALSE(log.maybe_append(Index(3), Term(2), Index(3), Ents({{4, 4}})));
  auto last = log.maybe_append(Index(1), Term(1), Index(2), Ents({{2, 4}, {3, 4}}));
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, Index(3));
  EXPECT_EQ(log.term_or_zero(Index(2)), Term(4));
  EXPECT_EQ(log.committed(), Index(2));
  EXPECT_EQ(log.unstable_entries().size(), 2u);
}

TEST(RaftLogTest, MaybeAppendIgnoresDuplicates) {
  MemoryStorage s;
  s.append(Ents({{1, 1}, {2, 1}, {3, 1}}));
  RaftLog log(&s, UINT64_MAX);
  auto last = log.maybe_append(Index(0), Term(0), Index(0), Ents({{1, 1}, {2, 1}}));
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, Index(2));
  EXPECT_EQ(log.last_index(), Index(3)) << "a stale append must not truncate the log";
  EXPECT_TRUE(log.unstable_entries().empty());
}

TEST(RaftLogTest, FindConflictByTermSkipsHigherTerms) {
  MemoryStorage s;
  s.append(Ents({{1, 1}, {2, 1}, {3, 2}, {4, 4}, {5, 4}}));
  RaftLog log(&s, UINT64_MAX);
  EXPECT_EQ(log.find_conflict_by_term(Index(5), Term(3)), (std::pair{Index(3), Term(2)}));
  EXPECT_EQ(log.find_conflict_by_term(Index(5), Term(4)), (std::pair{Index(5), Term(4)}));
  EXPECT_EQ(log.find_conflict_by_term(Index(5), Term(0)), (std::pair{Index(0), Term(0)}));
}

TEST(RaftLogTest, UpToDateComparesTermThenIndex) {
  MemoryStorage s;
  s.append(Ents({{1, 1}, {2, 3}}));
  RaftLog log(&s, UINT64_MAX);
  EXPECT_TRUE(log.is_up_to_date(Index(1), Term(4)));
  EXPECT_TRUE(log.is_up_to_date(Index(2), Term(3)));
  EXPECT_FALSE(log.is_up_to_date(Index(1), Term(3)));
  EXPECT_FALSE(log.is_up_to_date(Index(9), Term(2)));
}

TEST(RaftLogTest, CommittedEntriesIncludeUnstableAndStopAtApplied) {
  MemoryStorage s;
  s.append(Ents({{1, 1}}));
  RaftLog log(&s, UINT64_MAX);
  log.append(Ents({{2, 1}, {3, 1}}));
  log.commit_to(Index(3));
  EXPECT_EQ(log.next_committed_entries().size(), 3u);
  log.applied_to(Index(2));
  ASSERT_EQ(log.next_committed_entries().size(), 1u);
  EXPECT_EQ(log.next_committed_entries()[0].index, Index(3));
}

TEST(RaftLogTest, StableToIgnoresReplacedEntries) {
  MemoryStorage s;
  RaftLog log(&s, UINT64_MAX);
  log.append(Ents({{1, 1}, {2, 1}}));
  log.append(Ents({{2, 2}}));  // Replaces index 2 before it was persisted.
  log.stable_to(Index(2), Term(1));
  EXPECT_EQ(log.unstable_entries().size(), 2u);
  log.stable_to(Index(2), Term(2));
  EXPECT_TRUE(log.unstable_entries().empty());
}

TEST(RaftLogTest, SnapshotRestoreMovesEverything) {
  MemoryStorage s;
  s.append(Ents({{1, 1}, {2, 1}}));
  RaftLog log(&s, UINT64_MAX);
  Snapshot snap{{Index(10), Term(3), ConfState{{NodeId(1)}, {}, {}, {}, false}}, ""};
  log.restore(snap);
  EXPECT_EQ(log.last_index(), Index(10));
  EXPECT_EQ(log.first_index(), Index(11));
  EXPECT_EQ(log.committed(), Index(10));
  EXPECT_EQ(log.term_or_zero(Index(10)), Term(3));
  EXPECT_FALSE(log.has_next_committed_entries())
      << "no entries to apply while a snapshot is pending";
}

}  // namespace
}  // namespace strata::raft

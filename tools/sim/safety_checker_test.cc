// The safety checker on hand-made histories: each invariant is shown to hold
// on a good history and to be flagged on a bad one.
#include "safety_checker.h"

#include <gtest/gtest.h>

#include <map>

namespace strata::sim {
namespace {

using raft::Entry;
using raft::EntryType;
using raft::Index;
using raft::NodeId;
using raft::Term;

Entry E(uint64_t index, uint64_t term, std::string data) {
  return Entry{Term(term), Index(index), EntryType::kNormal, std::move(data)};
}

// A log given as index -> term, starting after a snapshot.
LogView View(uint64_t snap_index, uint64_t snap_term, std::map<uint64_t, uint64_t> terms) {
  LogView v;
  v.snapshot_index = Index(snap_index);
  v.snapshot_term = Term(snap_term);
  v.last_index = Index(terms.empty() ? snap_index : terms.rbegin()->first);
  v.term_at = [terms](Index i) { return Term(terms.at(i.value())); };
  return v;
}

class SimSafetyCheckerTest : public ::testing::Test {
 protected:
  // Applies e on node n, keeping a per-node register like SimNode does.
  void Apply(uint64_t n, const Entry& e) {
    Register& r = regs_[n];
    if (!e.data.empty()) r.apply(e.data);
    checker_.on_apply(0, NodeId(n), e.term, e, r.state());
  }
  void Restore(uint64_t n, uint64_t applied) {
    checker_.on_restore(0, NodeId(n), Index(applied), regs_[n].state());
  }
  bool Flagged(const std::string& prefix) const {
    for (const auto& v : out_.list()) {
      if (v.what.rfind(prefix, 0) == 0) return true;
    }
    return false;
  }

  Violations out_;
  SafetyChecker checker_{&out_};
  std::map<uint64_t, Register> regs_;
};

TEST_F(SimSafetyCheckerTest, OneLeaderPerTermIsFine) {
  checker_.on_leader(0, NodeId(1), Term(2), View(1, 1, {}));
  checker_.on_leader(0, NodeId(1), Term(2), View(1, 1, {}));  // Re-reported: fine.
  checker_.on_leader(0, NodeId(2), Term(3), View(1, 1, {}));
  EXPECT_FALSE(out_.any());
  EXPECT_EQ(checker_.elections(), 2u);
}

TEST_F(SimSafetyCheckerTest, TwoLeadersInOneTermAreFlagged) {
  checker_.on_leader(0, NodeId(1), Term(2), View(1, 1, {}));
  checker_.on_leader(0, NodeId(3), Term(2), View(1, 1, {}));
  EXPECT_TRUE(Flagged("election safety"));
}

TEST_F(SimSafetyCheckerTest, LogMatchingHoldsForConsistentWrites) {
  checker_.on_persist(0, NodeId(1), Term(1), {E(2, 2, "a"), E(3, 2, "b")});
  checker_.on_persist(0, NodeId(2), Term(1), {E(2, 2, "a")});
  checker_.on_persist(0, NodeId(2), Term(2), {E(3, 2, "b"), E(4, 3, "c")});
  // An uncommitted entry of another term at the same index is allowed.
  checker_.on_persist(0, NodeId(3), Term(2), {E(3, 4, "z")});
  EXPECT_FALSE(out_.any());
}

TEST_F(SimSafetyCheckerTest, SameIndexAndTermWithDifferentDataIsFlagged) {
  checker_.on_persist(0, NodeId(1), Term(1), {E(2, 2, "a")});
  checker_.on_persist(0, NodeId(2), Term(1), {E(2, 2, "b")});
  EXPECT_TRUE(Flagged("log matching"));
}

TEST_F(SimSafetyCheckerTest, SameEntryAfterDifferentPredecessorIsFlagged) {
  checker_.on_persist(0, NodeId(1), Term(1), {E(2, 2, "a"), E(3, 3, "b")});
  // Node 2 holds a different entry at 2, then the same (3, 3) after it.
  checker_.on_persist(0, NodeId(2), Term(1), {E(2, 1, "old")});
  checker_.on_persist(0, NodeId(2), Term(1), {E(3, 3, "b")});
  EXPECT_TRUE(Flagged("log matching"));
}

TEST_F(SimSafetyCheckerTest, StateMachineSafetyFlagsDivergentApplies) {
  Restore(1, 1);
  Restore(2, 1);
  Apply(1, E(2, 2, "a"));
  Apply(2, E(2, 3, "b"));
  EXPECT_TRUE(Flagged("state machine safety"));
}

TEST_F(SimSafetyCheckerTest, SameDataDifferentTermIsStillFlagged) {
  Restore(1, 1);
  Restore(2, 1);
  Apply(1, E(2, 2, "a"));
  Apply(2, E(2, 3, "a"));
  EXPECT_TRUE(Flagged("state machine safety"));
}

TEST_F(SimSafetyCheckerTest, AppliesMustBeInOrderAndAfterARestore) {
  Apply(1, E(2, 2, "a"));
  EXPECT_TRUE(Flagged("state machine safety"));
  Violations out2;
  SafetyChecker c2(&out2);
  c2.on_restore(0, NodeId(1), Index(1), RegisterState{});
  Register r;
  r.apply("a");
  c2.on_apply(0, NodeId(1), Term(2), E(3, 2, "a"), r.state());  // Skips index 2.
  EXPECT_TRUE(out2.any());
}

TEST_F(SimSafetyCheckerTest, ConsistentAppliesAndRestoresPass) {
  Restore(1, 1);
  Restore(2, 1);
  Apply(1, E(2, 2, ""));
  Apply(1, E(3, 2, "a"));
  Apply(1, E(4, 2, "b"));
  Apply(2, E(2, 2, ""));
  Apply(2, E(3, 2, "a"));
  // Node 3 restores from node 1's snapshot at index 4 and continues.
  regs_[3] = regs_[1];
  Restore(3, 4);
  checker_.on_snapshot(0, NodeId(3), raft::SnapshotMetadata{Index(4), Term(2), {}});
  Apply(3, E(5, 3, "c"));
  Apply(1, E(5, 3, "c"));
  EXPECT_FALSE(out_.any()) << out_.list().front().what;
  EXPECT_EQ(checker_.max_applied(), Index(5));
  EXPECT_EQ(checker_.max_register_count(), 3u);
}

TEST_F(SimSafetyCheckerTest, RestoringADifferentRegisterIsFlagged) {
  Restore(1, 1);
  Apply(1, E(2, 2, "a"));
  Register wrong;
  wrong.apply("b");
  checker_.on_restore(0, NodeId(2), Index(2), wrong.state());
  EXPECT_TRUE(Flagged("state machine safety"));
}

TEST_F(SimSafetyCheckerTest, SnapshotContradictingAppliedEntriesIsFlagged) {
  Restore(1, 1);
  Apply(1, E(2, 2, "a"));
  checker_.on_snapshot(0, NodeId(2), raft::SnapshotMetadata{Index(2), Term(3), {}});
  EXPECT_TRUE(Flagged("state machine safety"));
}

TEST_F(SimSafetyCheckerTest, MembershipMustAgree) {
  raft::ConfState a, b;
  a.voters = {NodeId(1), NodeId(2), NodeId(3)};
  b.voters = {NodeId(1), NodeId(2)};
  checker_.on_conf_applied(0, NodeId(1), Index(5), a);
  checker_.on_conf_applied(0, NodeId(2), Index(5), a);
  EXPECT_FALSE(out_.any());
  checker_.on_conf_applied(0, NodeId(3), Index(5), b);
  EXPECT_TRUE(Flagged("state machine safety"));
}

TEST_F(SimSafetyCheckerTest, LeaderCompletenessPassesWhenTheLeaderHasEverything) {
  Restore(1, 1);
  Apply(1, E(2, 2, ""));
  Apply(1, E(3, 2, "a"));
  checker_.on_leader(0, NodeId(2), Term(3), View(1, 1, {{2, 2}, {3, 2}, {4, 2}}));
  checker_.on_leader(0, NodeId(3), Term(4), View(3, 2, {{4, 3}}));  // Covered by snapshot.
  EXPECT_FALSE(out_.any()) << out_.list().front().what;
}

TEST_F(SimSafetyCheckerTest, LeaderMissingACommittedEntryIsFlagged) {
  Restore(1, 1);
  Apply(1, E(2, 2, ""));
  Apply(1, E(3, 2, "a"));
  checker_.on_leader(0, NodeId(2), Term(3), View(1, 1, {{2, 2}}));
  EXPECT_TRUE(Flagged("leader completeness"));
}

TEST_F(SimSafetyCheckerTest, LeaderWithAnotherTermAtACommittedIndexIsFlagged) {
  Restore(1, 1);
  Apply(1, E(2, 2, ""));
  Apply(1, E(3, 2, "a"));
  checker_.on_leader(0, NodeId(2), Term(4), View(1, 1, {{2, 2}, {3, 3}}));
  EXPECT_TRUE(Flagged("leader completeness"));
}

TEST_F(SimSafetyCheckerTest, LeaderOfAnOlderTermWinningLateIsNotFlagged) {
  // Entry 3 was committed in term 5; a leader of term 4 (its votes were
  // delayed) may lack it: leader completeness speaks of higher terms only.
  Restore(1, 1);
  checker_.on_apply(0, NodeId(1), Term(5), E(2, 5, ""), RegisterState{});
  checker_.on_leader(0, NodeId(2), Term(4), View(1, 1, {}));
  EXPECT_FALSE(out_.any());
  checker_.on_leader(0, NodeId(3), Term(6), View(1, 1, {}));
  EXPECT_TRUE(Flagged("leader completeness"));
}

TEST_F(SimSafetyCheckerTest, LeaderWithAWrongSnapshotIsFlagged) {
  Restore(1, 1);
  Apply(1, E(2, 2, ""));
  checker_.on_leader(0, NodeId(2), Term(4), View(2, 3, {}));
  EXPECT_TRUE(Flagged("leader completeness"));
}

}  // namespace
}  // namespace strata::sim

// The commit-safety check on hand-made log tips.
#include "commit_safety.h"

#include <gtest/gtest.h>

namespace strata::sim {
namespace {

using raft::Index;
using raft::NodeId;
using raft::Term;

LogTip Tip(uint64_t id, bool holds, uint64_t term, uint64_t index) {
  return LogTip{NodeId(id), holds, Term(term), Index(index)};
}

raft::ConfState Voters(std::vector<uint64_t> ids, std::vector<uint64_t> outgoing = {}) {
  raft::ConfState cs;
  for (auto i : ids) cs.voters.push_back(NodeId(i));
  for (auto i : outgoing) cs.voters_outgoing.push_back(NodeId(i));
  return cs;
}

TEST(SimCommitSafetyTest, ProperlyCommittedEntryIsSafe) {
  // Entry 3 committed in term 4 by n1: n1..n3 hold (4/4); n4, n5 lag.
  std::vector<LogTip> tips = {Tip(1, true, 4, 4), Tip(2, true, 4, 4), Tip(3, true, 4, 4),
                              Tip(4, false, 2, 2), Tip(5, false, 3, 2)};
  EXPECT_EQ(ElectableWithout(tips, Voters({1, 2, 3, 4, 5})), "");
}

TEST(SimCommitSafetyTest, Figure8IsFlagged) {
  // Figure 8 (c): n1 (term 4) counted x = 3/2 on n1, n2, n3 without any term-4
  // entry on a majority; n5 holds 3/3 and can still win with n2, n3, n4.
  std::vector<LogTip> tips = {Tip(1, true, 4, 4), Tip(2, true, 2, 3), Tip(3, true, 2, 3),
                              Tip(4, false, 1, 2), Tip(5, false, 3, 3)};
  std::string why = ElectableWithout(tips, Voters({1, 2, 3, 4, 5}));
  EXPECT_NE(why.find("n5"), std::string::npos) << why;
  EXPECT_NE(why.find("could be elected by n2 n3 n4 n5"), std::string::npos) << why;
}

TEST(SimCommitSafetyTest, LearnersAndMissingNodesDoNotVote) {
  // n5 lacks the entry; n4 and n5 are all it could get: n6 (a learner) does
  // not vote and n3 does not exist.
  std::vector<LogTip> tips = {Tip(1, true, 5, 9), Tip(2, true, 5, 9), Tip(4, false, 1, 2),
                              Tip(5, false, 4, 9), Tip(6, false, 1, 1)};
  EXPECT_EQ(ElectableWithout(tips, Voters({1, 2, 3, 4, 5})), "");
}

TEST(SimCommitSafetyTest, JointConfigNeedsBothQuorums) {
  // n4 could win the incoming half {3, 4, 5} but not the outgoing {1, 2, 3}.
  std::vector<LogTip> tips = {Tip(1, true, 7, 9), Tip(2, true, 7, 9), Tip(3, false, 2, 5),
                              Tip(4, false, 6, 6), Tip(5, false, 1, 2)};
  EXPECT_EQ(ElectableWithout(tips, Voters({3, 4, 5}, {1, 2, 3})), "");
  // Without the outgoing half it could.
  EXPECT_NE(ElectableWithout(tips, Voters({3, 4, 5})), "");
}

TEST(SimCommitSafetyTest, UpToDateComparisonUsesTermThenIndex) {
  // n3's longer log of an older term does not beat n1's shorter, newer one.
  std::vector<LogTip> tips = {Tip(1, true, 3, 5), Tip(2, true, 3, 5), Tip(3, false, 2, 50)};
  EXPECT_EQ(ElectableWithout(tips, Voters({1, 2, 3})), "");
  // Equal terms: the longer log wins votes.
  tips = {Tip(1, true, 3, 5), Tip(2, false, 3, 6), Tip(3, false, 3, 4)};
  EXPECT_NE(ElectableWithout(tips, Voters({1, 2, 3})), "");
}

}  // namespace
}  // namespace strata::sim

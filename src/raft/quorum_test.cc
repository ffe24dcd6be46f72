#include "raft/quorum.h"

#include <gtest/gtest.h>

namespace strata::raft {
namespace {

std::set<NodeId> Ids(std::initializer_list<uint64_t> v) {
  std::set<NodeId> s;
  for (auto i : v) s.insert(NodeId(i));
  return s;
}

AckedIndexFn Acks(std::map<uint64_t, uint64_t> m) {
  return [m](NodeId id) -> std::optional<Index> {
    auto it = m.find(id.value());
    if (it == m.end()) return std::nullopt;
    return Index(it->second);
  };
}

TEST(QuorumTest, MajorityCommittedIndex) {
  MajorityConfig c(Ids({1, 2, 3}));
  EXPECT_EQ(c.committed_index(Acks({{1, 10}, {2, 5}, {3, 7}})), Index(7));
  EXPECT_EQ(c.committed_index(Acks({{1, 10}})), Index(0));
  MajorityConfig four(Ids({1, 2, 3, 4}));
  EXPECT_EQ(four.committed_index(Acks({{1, 10}, {2, 9}, {3, 8}, {4, 1}})), Index(8));
}

TEST(QuorumTest, JointCommitIsMinimumOfHalves) {
  JointConfig j{MajorityConfig(Ids({1, 2, 3})), MajorityConfig(Ids({3, 4, 5}))};
  // Incoming majority has 8; the outgoing majority only 1.
  EXPECT_EQ(j.committed_index(Acks({{1, 9}, {2, 8}, {3, 2}, {4, 1}, {5, 0}})), Index(1));
  JointConfig simple{MajorityConfig(Ids({1, 2, 3})), MajorityConfig()};
  EXPECT_EQ(simple.committed_index(Acks({{1, 9}, {2, 8}, {3, 2}})), Index(8));
}

TEST(QuorumTest, VoteResults) {
  MajorityConfig c(Ids({1, 2, 3}));
  EXPECT_EQ(c.vote_result({}), VoteResult::kPending);
  EXPECT_EQ(c.vote_result({{NodeId(1), true}, {NodeId(2), true}}), VoteResult::kWon);
  EXPECT_EQ(c.vote_result({{NodeId(1), true}, {NodeId(2), false}}), VoteResult::kPending);
  EXPECT_EQ(c.vote_result({{NodeId(1), false}, {NodeId(2), false}}), VoteResult::kLost);
  // Votes from non-members are ignored.
  EXPECT_EQ(c.vote_result({{NodeId(1), true}, {NodeId(9), true}}), VoteResult::kPending);
  EXPECT_EQ(MajorityConfig().vote_result({}), VoteResult::kWon);

  JointConfig j{MajorityConfig(Ids({1, 2, 3})), MajorityConfig(Ids({4, 5, 6}))};
  EXPECT_EQ(j.vote_result({{NodeId(1), true}, {NodeId(2), true}}), VoteResult::kPending);
  EXPECT_EQ(
      j.vote_result({{NodeId(1), true}, {NodeId(2), true}, {NodeId(4), false}, {NodeId(5), false}}),
      VoteResult::kLost);
  EXPECT_EQ(
      j.vote_result({{NodeId(1), true}, {NodeId(2), true}, {NodeId(4), true}, {NodeId(5), true}}),
      VoteResult::kWon);
}

}  // namespace
}  // namespace strata::raft

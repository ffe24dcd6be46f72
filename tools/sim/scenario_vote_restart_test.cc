// The vote is durable: a node that voted in term T and restarts must not vote
// for another candidate in T (raft paper figure 2, "persistent state").
#include <gtest/gtest.h>

#include "scenario_util.h"

namespace strata::sim::scenario {
namespace {

TEST(SimVoteRestartTest, VoteSurvivesARestart) {
  Cluster c(QuietOptions(3));
  // Only n1 -> n2 works: n2 hears n1's request but n1 never hears the grant.
  for (uint64_t a : {1, 2, 3}) {
    for (uint64_t b : {1, 2, 3}) {
      if (a != b && !(a == 1 && b == 2)) c.network().cut(Id(a), Id(b));
    }
  }
  ASSERT_TRUE(c.node(1)->campaign().ok());
  c.settle();
  raft::Term t = c.node(1)->raft().term();
  auto hs = c.node(2)->disk().initial_state();
  ASSERT_TRUE(hs.ok());
  ASSERT_EQ(hs->hard_state.term, t);
  ASSERT_EQ(hs->hard_state.vote, Id(1)) << "n2 granted its vote to n1 and persisted it";
  EXPECT_NE(c.node(1)->raft().role(), raft::Role::kLeader);

  c.crash(Id(2));
  c.restart(Id(2));
  EXPECT_EQ(c.node(2)->raft().term(), t);

  // n3 now campaigns in the same term t (it is one term behind), reaching
  // only n2. n2 must refuse: it already voted for n1 in t.
  c.network().heal();
  Isolate(c, Id(1));
  ASSERT_LT(c.node(3)->raft().term(), t);
  ASSERT_TRUE(c.node(3)->campaign().ok());
  ASSERT_EQ(c.node(3)->raft().term(), t);
  c.settle();
  EXPECT_NE(c.node(3)->raft().role(), raft::Role::kLeader)
      << "n2 voted twice in term " << t.value();
  hs = c.node(2)->disk().initial_state();
  ASSERT_TRUE(hs.ok());
  EXPECT_EQ(hs->hard_state.vote, Id(1));

  // In a later term n3 may of course win.
  EXPECT_TRUE(Elect(c, Id(3)));
  EXPECT_GT(c.node(3)->raft().term(), t);
  EXPECT_FALSE(c.violations().any()) << FirstViolation(c);
}

}  // namespace
}  // namespace strata::sim::scenario

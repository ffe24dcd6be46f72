// Leader transfer to a lagging follower (raft thesis 3.10): the leader first
// brings the transferee up to date, then tells it to campaign at once; the
// transferee wins and holds every committed entry.
#include <gtest/gtest.h>

#include "scenario_util.h"

namespace strata::sim::scenario {
namespace {

TEST(SimTransferTest, LaggingTransfereeCatchesUpAndLeads) {
  ClusterOptions o = QuietOptions(3);
  o.node.pre_vote = true;
  o.node.check_quorum = true;
  o.node.max_append_bytes = 1;  // Catching up takes many round trips.
  o.node.max_inflight_appends = 2;
  Cluster c(o);
  ASSERT_TRUE(Elect(c, Id(1)));
  c.crash(Id(3));
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(Write(c, Id(1), Cmd("w", i)));
  c.restart(Id(3));
  raft::Index target = c.node(1)->raft().last_index();
  ASSERT_LT(c.node(3)->disk().last_index(), target) << "n3 should be lagging";

  ASSERT_TRUE(c.node(1)->transfer_leader(Id(3)).ok());
  ASSERT_TRUE(c.run_until([&] { return c.node(3)->raft().role() == raft::Role::kLeader; }, 200));
  EXPECT_GE(c.node(3)->disk().last_index(), target);
  EXPECT_NE(c.node(1)->raft().role(), raft::Role::kLeader);
  ASSERT_TRUE(Write(c, Id(3), "after-transfer"));
  ASSERT_TRUE(
      c.run_until([&] { return c.node(1)->reg().state() == c.node(3)->reg().state(); }, 100));
  EXPECT_EQ(c.node(3)->reg().state().count, 31u);
  EXPECT_FALSE(c.violations().any()) << FirstViolation(c);
}

TEST(SimTransferTest, TransferToALearnerOrUnknownNodeIsRefused) {
  Cluster c(QuietOptions(3));
  ASSERT_TRUE(Elect(c, Id(1)));
  EXPECT_TRUE(c.node(1)->transfer_leader(Id(9)).Is(StatusCode::kInvalidArgument));
  EXPECT_TRUE(c.node(2)->transfer_leader(Id(3)).Is(StatusCode::kNotLeader));
}

}  // namespace
}  // namespace strata::sim::scenario

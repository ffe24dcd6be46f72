// Removing the current leader (raft thesis 4.2.2): the leader replicates and
// commits its own removal, then steps down; the remaining voters elect a new
// leader among themselves, and the removed node no longer takes part.
#include <gtest/gtest.h>

#include <algorithm>

#include "scenario_util.h"

namespace strata::sim::scenario {
namespace {

void RunRemoveLeader(raft::ConfChangeTransition transition) {
  ClusterOptions o = QuietOptions(5);
  o.node.pre_vote = true;
  o.node.check_quorum = true;
  o.decommission_removed = false;  // Keep it running: it must stay out by itself.
  Cluster c(o);
  ASSERT_TRUE(Elect(c, Id(1)));
  ASSERT_TRUE(Write(c, Id(1), "a"));

  raft::ConfChange cc;
  cc.transition = transition;
  cc.changes.push_back({raft::ConfChangeType::kRemoveNode, Id(1)});
  ASSERT_TRUE(c.node(1)->propose_conf_change(cc).ok());
  ASSERT_TRUE(c.run_until(
      [&] {
        const raft::ConfState& m = c.membership();
        if (m.joint() && !m.auto_leave && !c.leader().none()) {
          (void)c.node(c.leader())->propose_conf_change(raft::ConfChange{});
        }
        return !m.joint() && m.voters.size() == 4;
      },
      300));
  ASSERT_TRUE(c.run_until(
      [&] {
        raft::NodeId l = c.leader();
        return !l.none() && l != Id(1);
      },
      300));
  raft::NodeId fresh = c.leader();
  std::vector<raft::NodeId> expect{Id(2), Id(3), Id(4), Id(5)};
  EXPECT_EQ(c.membership().voters, expect);
  EXPECT_NE(c.node(1)->raft().role(), raft::Role::kLeader);

  // The new leader neither tracks nor needs n1; the group keeps working and
  // n1 never leads again.
  ASSERT_TRUE(Write(c, fresh, "b"));
  for (const auto& p : c.node(fresh)->raft().status().peers) EXPECT_NE(p.id, Id(1));
  raft::Term term = c.node(fresh)->raft().term();
  uint64_t elections = c.safety().elections();
  for (int i = 0; i < 300; ++i) {
    c.run_tick();
    ASSERT_NE(c.node(1)->raft().role(), raft::Role::kLeader) << "removed node leads again";
  }
  ASSERT_TRUE(Write(c, c.leader(), "c"));
  EXPECT_EQ(c.node(c.leader())->raft().term(), term) << "the removed node disrupted the group";
  EXPECT_EQ(c.safety().elections(), elections);
  EXPECT_FALSE(c.violations().any()) << FirstViolation(c);
}

TEST(SimRemoveLeaderTest, SimpleChange) { RunRemoveLeader(raft::ConfChangeTransition::kAuto); }

TEST(SimRemoveLeaderTest, ExplicitJointChange) {
  RunRemoveLeader(raft::ConfChangeTransition::kExplicit);
}

TEST(SimRemoveLeaderTest, DecommissionedLeaderIsReplaced) {
  Cluster c(QuietOptions(3));
  ASSERT_TRUE(Elect(c, Id(1)));
  ASSERT_TRUE(Write(c, Id(1), "a"));
  raft::ConfChange cc;
  cc.changes.push_back({raft::ConfChangeType::kRemoveNode, Id(1)});
  ASSERT_TRUE(c.node(1)->propose_conf_change(cc).ok());
  ASSERT_TRUE(c.run_until([&] { return c.removed(Id(1)) && !c.leader().none(); }, 300));
  EXPECT_EQ(c.node(Id(1)), nullptr);
  ASSERT_TRUE(Write(c, c.leader(), "b"));
  EXPECT_EQ(c.node(2)->reg().state(), c.node(3)->reg().state());
  EXPECT_FALSE(c.violations().any()) << FirstViolation(c);
}

}  // namespace
}  // namespace strata::sim::scenario

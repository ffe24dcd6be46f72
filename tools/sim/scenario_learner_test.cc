// Learners receive the log but never vote or lead (raft thesis 4.2.1).
#include <gtest/gtest.h>

#include "scenario_util.h"

namespace strata::sim::scenario {
namespace {

raft::NodeId AddLearner(Cluster& c, raft::NodeId leader) {
  raft::NodeId id = c.next_id();
  raft::ConfChange cc;
  cc.changes.push_back({raft::ConfChangeType::kAddLearner, id});
  EXPECT_TRUE(c.node(leader)->propose_conf_change(cc).ok());
  EXPECT_EQ(c.add_node(), id);
  EXPECT_TRUE(c.run_until(
      [&] {
        const auto& l = c.membership().learners;
        return std::find(l.begin(), l.end(), id) != l.end();
      },
      200));
  return id;
}

TEST(SimLearnerTest, LearnerVotesAreNeverCounted) {
  Cluster c(QuietOptions(3));
  ASSERT_TRUE(Elect(c, Id(1)));
  raft::NodeId l4 = AddLearner(c, Id(1));
  raft::NodeId l5 = AddLearner(c, Id(1));
  ASSERT_TRUE(Write(c, Id(1), "a"));
  ASSERT_TRUE(c.run_until(
      [&] { return c.node(l5)->reg().last() == "a" && c.node(l4)->reg().last() == "a"; }, 200));

  // A learner cannot campaign.
  EXPECT_TRUE(c.node(l4)->campaign().Is(StatusCode::kFailedPrecondition));

  // Two of three voters down: one voter plus two learners must not elect
  // anyone (if learner votes counted, n3 would win 3 of 5).
  c.crash(Id(1));
  c.crash(Id(2));
  for (int i = 0; i < 400; ++i) {
    c.run_tick();
    ASSERT_TRUE(c.leader().none()) << "n" << c.leader().value() << " elected without a quorum";
  }
  EXPECT_FALSE(Elect(c, Id(3), 3));
  for (raft::NodeId l : {l4, l5}) EXPECT_NE(c.node(l)->raft().role(), raft::Role::kLeader);

  c.restart(Id(2));
  ASSERT_TRUE(c.run_until([&] { return !c.leader().none(); }, 300));
  EXPECT_TRUE(c.leader() == Id(2) || c.leader() == Id(3));
  EXPECT_FALSE(c.violations().any()) << FirstViolation(c);
}

TEST(SimLearnerTest, OneVoterWithLearnersWorks) {
  Cluster c(QuietOptions(1));
  ASSERT_TRUE(c.run_until([&] { return c.leader() == Id(1); }, 100));
  raft::NodeId l2 = AddLearner(c, Id(1));
  raft::NodeId l3 = AddLearner(c, Id(1));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(Write(c, Id(1), Cmd("w", i)));
  ASSERT_TRUE(c.run_until(
      [&] {
        return c.node(l2)->reg().state() == c.node(1)->reg().state() &&
               c.node(l3)->reg().state() == c.node(1)->reg().state();
      },
      200));
  // Learners being down never blocks the single voter.
  c.crash(l2);
  c.crash(l3);
  ASSERT_TRUE(Write(c, Id(1), "alone"));
  // The voter restarting alone re-elects itself; learners never lead.
  c.crash(Id(1));
  c.restart(l2);
  c.restart(l3);
  for (int i = 0; i < 200; ++i) {
    c.run_tick();
    ASSERT_TRUE(c.leader().none());
  }
  c.restart(Id(1));
  ASSERT_TRUE(c.run_until([&] { return c.leader() == Id(1); }, 200));
  ASSERT_TRUE(Write(c, Id(1), "back"));
  ASSERT_TRUE(c.run_until([&] { return c.node(l3)->reg().last() == "back"; }, 200));
  EXPECT_FALSE(c.violations().any()) << FirstViolation(c);
}

}  // namespace
}  // namespace strata::sim::scenario

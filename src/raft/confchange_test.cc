#include "raft/confchange.h"

#include <gtest/gtest.h>

namespace strata::raft {
namespace {

ProgressTracker Tracker(std::vector<uint64_t> voters, std::vector<uint64_t> learners = {}) {
  ConfState cs;
  for (auto v : voters) cs.voters.push_back(NodeId(v));
  for (auto l : learners) cs.learners.push_back(NodeId(l));
  auto cp = ConfChanger::Restore(cs, Index(10), 16);
  EXPECT_TRUE(cp.ok()) << cp.status().ToString();
  ProgressTracker t(16);
  t.config = cp->config;
  t.progress = cp->progress;
  return t;
}

ConfChangeSingle Add(uint64_t id) { return {ConfChangeType::kAddNode, NodeId(id)}; }
ConfChangeSingle Learner(uint64_t id) { return {ConfChangeType::kAddLearner, NodeId(id)}; }
ConfChangeSingle Remove(uint64_t id) { return {ConfChangeType::kRemoveNode, NodeId(id)}; }

TEST(ConfChangeTest, SimpleChangeAllowsOneVoter) {
  ProgressTracker t = Tracker({1, 2, 3});
  ConfChanger c(t, Index(10));
  auto one = c.simple({Add(4)});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->config.voters.incoming.ids().size(), 4u);
  EXPECT_EQ(one->progress.at(NodeId(4)).next, Index(10));
  EXPECT_FALSE(c.simple({Add(4), Add(5)}).ok());
  EXPECT_FALSE(c.simple({Remove(1), Add(5)}).ok());
  // Learners do not count as voter changes.
  EXPECT_TRUE(c.simple({Learner(5), Learner(6)}).ok());
}

TEST(ConfChangeTest, RemovingAllVotersIsRejected) {
  ProgressTracker t = Tracker({1});
  EXPECT_FALSE(ConfChanger(t, Index(1)).simple({Remove(1)}).ok());
}

TEST(ConfChangeTest, JointReplacesVotersAndDemotesIntoLearnersNext) {
  ProgressTracker t = Tracker({1, 2, 3});
  ConfChanger c(t, Index(10));
  auto joint = c.enter_joint(true, {Add(4), Learner(3)});
  ASSERT_TRUE(joint.ok()) << joint.status().ToString();
  EXPECT_TRUE(joint->config.voters.joint());
  EXPECT_TRUE(joint->config.learners_next.contains(NodeId(3)));
  EXPECT_TRUE(joint->config.voters.outgoing.contains(NodeId(3)));
  EXPECT_FALSE(joint->config.voters.incoming.contains(NodeId(3)));

  ProgressTracker t2(16);
  t2.config = joint->config;
  t2.progress = joint->progress;
  ConfChanger c2(t2, Index(11));
  EXPECT_FALSE(c2.enter_joint(true, {Add(5)}).ok()) << "joint twice must fail";
  EXPECT_FALSE(c2.simple({Add(5)}).ok());
  auto left = c2.leave_joint();
  ASSERT_TRUE(left.ok());
  EXPECT_FALSE(left->config.voters.joint());
  EXPECT_TRUE(left->config.learners.contains(NodeId(3)));
  EXPECT_TRUE(left->progress.at(NodeId(3)).is_learner);
  EXPECT_EQ(left->config.voters.incoming.ids().size(), 3u);
  EXPECT_FALSE(left->config.auto_leave);
}

TEST(ConfChangeTest, LeaveJointDropsRemovedVoters) {
  ProgressTracker t = Tracker({1, 2, 3});
  auto joint = ConfChanger(t, Index(10)).enter_joint(false, {Remove(1), Remove(2), Add(4)});
  ASSERT_TRUE(joint.ok());
  EXPECT_TRUE(joint->progress.contains(NodeId(1))) << "outgoing voters keep progress";
  ProgressTracker t2(16);
  t2.config = joint->config;
  t2.progress = joint->progress;
  auto left = ConfChanger(t2, Index(10)).leave_joint();
  ASSERT_TRUE(left.ok());
  EXPECT_FALSE(left->progress.contains(NodeId(1)));
  EXPECT_FALSE(left->progress.contains(NodeId(2)));
  EXPECT_EQ(left->config.voters.incoming.ids(), (std::set<NodeId>{NodeId(3), NodeId(4)}));
}

TEST(ConfChangeTest, LeaveWithoutJointFails) {
  ProgressTracker t = Tracker({1, 2, 3});
  EXPECT_FALSE(ConfChanger(t, Index(1)).leave_joint().ok());
}

TEST(ConfChangeTest, PromoteLearner) {
  ProgressTracker t = Tracker({1, 2, 3}, {4});
  auto cp = ConfChanger(t, Index(10)).simple({Add(4)});
  ASSERT_TRUE(cp.ok());
  EXPECT_TRUE(cp->config.voters.incoming.contains(NodeId(4)));
  EXPECT_FALSE(cp->config.learners.contains(NodeId(4)));
  EXPECT_FALSE(cp->progress.at(NodeId(4)).is_learner);
}

TEST(ConfChangeTest, RestoreRoundTripsConfState) {
  ConfState cs{{NodeId(1), NodeId(2), NodeId(4)},
               {NodeId(5)},
               {NodeId(1), NodeId(2), NodeId(3)},
               {NodeId(3)},
               true};
  auto cp = ConfChanger::Restore(cs, Index(3), 8);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->config.to_conf_state(), cs);
}

}  // namespace
}  // namespace strata::raft

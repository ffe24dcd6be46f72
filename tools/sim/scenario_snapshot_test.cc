// A follower that falls far behind while the leader compacts its log can only
// catch up through InstallSnapshot (raft paper section 7).
#include <gtest/gtest.h>

#include "scenario_util.h"

namespace strata::sim::scenario {
namespace {

TEST(SimSnapshotTest, FarBehindFollowerCatchesUpFromASnapshot) {
  ClusterOptions o = QuietOptions(3);
  o.node.snapshot_interval = 5;
  o.node.compact_keep = 0;
  Cluster c(o);
  ASSERT_TRUE(Elect(c, Id(1)));
  ASSERT_TRUE(Write(c, Id(1), "w0"));
  c.crash(Id(3));
  for (int i = 1; i <= 40; ++i) ASSERT_TRUE(Write(c, Id(1), Cmd("w", i)));
  ASSERT_TRUE(c.node(1)->snapshot_now(0));
  raft::Index behind = c.node(3)->disk().last_index();
  ASSERT_GT(c.node(1)->disk().first_index(), behind + 1)
      << "the leader no longer has the entries n3 needs";

  uint64_t sent = c.stats().snapshots_sent;
  c.restart(Id(3));
  ASSERT_TRUE(
      c.run_until([&] { return c.node(3)->reg().state() == c.node(1)->reg().state(); }, 500));
  EXPECT_GT(c.stats().snapshots_sent, sent);
  EXPECT_GE(c.node(3)->snapshots_installed(), 1u);
  EXPECT_EQ(c.node(3)->reg().last(), "w40");
  EXPECT_EQ(c.node(3)->reg().state().count, 41u);

  // It keeps up with new writes afterwards, and survives a restart from the
  // installed snapshot.
  ASSERT_TRUE(Write(c, Id(1), "after"));
  ASSERT_TRUE(c.run_until([&] { return c.node(3)->reg().last() == "after"; }, 100));
  c.crash(Id(3));
  c.restart(Id(3));
  ASSERT_TRUE(c.run_until([&] { return c.node(3)->reg().last() == "after"; }, 100));
  EXPECT_FALSE(c.violations().any()) << FirstViolation(c);
}

TEST(SimSnapshotTest, NewNodeLearnsEverythingFromASnapshot) {
  Cluster c(QuietOptions(3));
  ASSERT_TRUE(Elect(c, Id(1)));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Write(c, Id(1), Cmd("w", i)));
  raft::NodeId fresh = c.next_id();
  raft::ConfChange cc;
  cc.changes.push_back({raft::ConfChangeType::kAddLearner, fresh});
  ASSERT_TRUE(c.node(1)->propose_conf_change(cc).ok());
  ASSERT_EQ(c.add_node(), fresh);
  ASSERT_TRUE(
      c.run_until([&] { return c.node(fresh)->reg().state() == c.node(1)->reg().state(); }, 300));
  EXPECT_GE(c.node(fresh)->snapshots_installed(), 1u);
  EXPECT_FALSE(c.violations().any()) << FirstViolation(c);
}

}  // namespace
}  // namespace strata::sim::scenario

// A node that was leader, appended many entries nobody else saw, and crashed,
// rejoins with a log longer than everyone's but from an older term. It must
// not win an election (its log is less up to date: raft paper 5.4.1), and its
// stale suffix must be truncated to match the leader's.
#include <gtest/gtest.h>

#include "scenario_util.h"

namespace strata::sim::scenario {
namespace {

TEST(SimRejoinTest, LongerStaleLogIsTruncatedAndCannotWin) {
  Cluster c(QuietOptions(3));
  ASSERT_TRUE(Elect(c, Id(1)));
  ASSERT_TRUE(Write(c, Id(1), "a"));
  Isolate(c, Id(1));
  for (int i = 0; i < 20; ++i) {
    std::string cmd = Cmd("stale-", i);
    c.history().on_write_invoke(c.now(), cmd);
    ASSERT_TRUE(c.node(1)->propose(cmd).ok());
  }
  c.settle();
  c.crash(Id(1));
  c.network().heal();

  ASSERT_TRUE(Elect(c, Id(2)));
  ASSERT_TRUE(Write(c, Id(2), "b"));
  ASSERT_TRUE(Write(c, Id(2), "c"));
  raft::Index stale_last = c.node(1)->disk().last_index();
  ASSERT_GT(stale_last, c.node(2)->disk().last_index()) << "n1's log should be longer";

  // n1 restarts; the others are in a later term with more up-to-date logs.
  c.network().set_drop_filter([](const raft::Message& m) {
    return m.from == Id(2) &&
           (m.type == raft::MessageType::kAppend || m.type == raft::MessageType::kHeartbeat);
  });
  c.restart(Id(1));
  EXPECT_FALSE(Elect(c, Id(1), 3)) << "a longer log of an older term must not win";
  c.network().set_drop_filter(nullptr);

  ASSERT_TRUE(c.run_until(
      [&] {
        raft::NodeId l = c.leader();
        return !l.none() && c.node(1)->reg().state() == c.node(l)->reg().state() &&
               c.node(1)->disk().last_index() == c.node(l)->disk().last_index();
      },
      500));
  raft::NodeId l = c.leader();
  EXPECT_NE(l, Id(1));
  EXPECT_EQ(c.node(1)->reg().last(), c.node(l)->reg().last());
  for (raft::Index i = c.node(1)->disk().first_index(); i <= c.node(1)->disk().last_index(); ++i) {
    auto mine = EntryAt(*c.node(1), i);
    auto theirs = EntryAt(*c.node(l), i);
    ASSERT_TRUE(mine && theirs);
    EXPECT_EQ(*mine, *theirs) << "index " << i.value();
    EXPECT_EQ(mine->data.rfind("stale-", 0), std::string::npos);
  }
  EXPECT_FALSE(c.violations().any()) << FirstViolation(c);
}

}  // namespace
}  // namespace strata::sim::scenario

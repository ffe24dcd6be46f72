// An old leader cut off by a partition keeps accepting proposals it can never
// commit. When it returns it must step down, and its uncommitted entries must
// be replaced by the new leader's log (raft paper 5.3, 5.4).
#include <gtest/gtest.h>

#include "scenario_util.h"

namespace strata::sim::scenario {
namespace {

void RunStaleLeader(bool pre_vote, bool check_quorum) {
  ClusterOptions o = QuietOptions(5);
  o.node.pre_vote = pre_vote;
  o.node.check_quorum = check_quorum;
  Cluster c(o);
  ASSERT_TRUE(Elect(c, Id(1)));
  ASSERT_TRUE(Write(c, Id(1), "before"));
  raft::Term old_term = c.node(1)->raft().term();

  Isolate(c, Id(1));
  uint64_t isolated_at = c.ticks();
  for (int i = 0; i < 3; ++i) {
    c.history().on_write_invoke(c.now(), Cmd("stale-", i));
    ASSERT_TRUE(c.node(1)->propose(Cmd("stale-", i)).ok());
  }
  raft::Index stale_last = c.node(1)->raft().last_index();
  raft::Index committed = c.node(1)->raft().committed();
  ASSERT_LT(committed, stale_last);

  // The majority elects a new leader and commits new entries.
  ASSERT_TRUE(c.run_until(
      [&] {
        raft::NodeId l = c.leader();
        return !l.none() && l != Id(1) && c.node(l)->raft().term() > old_term;
      },
      300));
  raft::NodeId fresh = c.leader();
  ASSERT_TRUE(Write(c, fresh, "fresh-1"));
  ASSERT_TRUE(Write(c, fresh, "fresh-2"));
  if (check_quorum) {
    // With check-quorum the isolated leader notices it lost its quorum within
    // two election timeouts (thesis 6.2).
    uint64_t isolated_for = c.ticks() - isolated_at;
    c.run_until([&] { return c.node(1)->raft().role() != raft::Role::kLeader; },
                2 * o.node.election_ticks);
    EXPECT_NE(c.node(1)->raft().role(), raft::Role::kLeader)
        << "still leader " << c.ticks() - isolated_at << " ticks after isolation (new leader after "
        << isolated_for << ")";
  }

  // The old leader returns: it must follow and drop its stale tail.
  c.network().heal();
  ASSERT_TRUE(c.run_until(
      [&] {
        SimNode* n1 = c.node(1);
        return n1->raft().role() == raft::Role::kFollower && n1->raft().leader() == fresh &&
               n1->reg().state() == c.node(fresh)->reg().state();
      },
      300));
  EXPECT_GT(c.node(1)->raft().term(), old_term);
  for (raft::Index i = committed + 1; i <= stale_last; ++i) {
    auto e = EntryAt(*c.node(1), i);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->data.rfind("stale-", 0), std::string::npos) << "index " << i.value();
    EXPECT_GT(e->term, old_term);
  }
  EXPECT_EQ(c.node(1)->reg().last(), "fresh-2");
  EXPECT_FALSE(c.violations().any()) << FirstViolation(c);
}

TEST(SimStaleLeaderTest, PartitionedLeaderStepsDownAndLosesItsTail) {
  RunStaleLeader(false, false);
}

TEST(SimStaleLeaderTest, WithPreVoteAndCheckQuorum) { RunStaleLeader(true, true); }

}  // namespace
}  // namespace strata::sim::scenario

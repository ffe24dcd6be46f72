// Raft paper, figure 8: a leader must not commit an entry from an earlier
// term by counting replicas. Script (5 nodes, one entry per append message):
//   (a) n1 leads term A and appends x, which reaches no one; n1 crashes;
//   (b) n5 leads term B with votes from n3, n4 and writes y at x's index,
//       which reaches no one; n5 crashes;
//   (c) n1 restarts and leads term C; it replicates x to n2 and n3 (x is now
//       on a majority) but its own term-C entries reach no one. x must NOT
//       commit;
//   (d) n1 crashes, n5 restarts and leads: it overwrites x with y everywhere.
// Nothing applied is ever lost, and x is never applied anywhere.
#include <gtest/gtest.h>

#include "scenario_util.h"

namespace strata::sim::scenario {
namespace {

bool HasCmd(SimNode& n, raft::Index i, const std::string& cmd) {
  auto e = EntryAt(n, i);
  return e && e->data == cmd;
}

TEST(SimFigure8Test, PreviousTermEntryOnAMajorityIsNotCommittedByCounting) {
  ClusterOptions o = QuietOptions(5);
  o.node.max_append_bytes = 1;  // One entry per append: replicas diverge entry by entry.
  Cluster c(o);
  ASSERT_TRUE(Elect(c, Id(1)));
  raft::Term term_a = c.node(1)->raft().term();
  c.run_until([&] { return c.node(5)->applied() >= c.node(1)->raft().last_index(); }, 50);

  // (a) x reaches no one.
  Isolate(c, Id(1));
  c.history().on_write_invoke(c.now(), "x");
  ASSERT_TRUE(c.node(1)->propose("x").ok());
  raft::Index xi = c.node(1)->raft().last_index();
  c.settle();
  ASSERT_TRUE(HasCmd(*c.node(1), xi, "x"));
  ASSERT_FALSE(HasCmd(*c.node(2), xi, "x"));
  c.crash(Id(1));
  c.network().heal();

  // (b) n5 wins with n3 and n4; its entries at x's index reach no one.
  c.network().set_drop_filter([](const raft::Message& m) {
    return m.from == Id(5) && m.type == raft::MessageType::kAppend && !m.entries.empty();
  });
  ASSERT_TRUE(Elect(c, Id(5)));
  c.history().on_write_invoke(c.now(), "y");
  ASSERT_TRUE(c.node(5)->propose("y").ok());
  c.settle();
  ASSERT_GT(TermAt(*c.node(5), xi), term_a);
  c.crash(Id(5));

  // (c) n1 returns and leads; x spreads to n2 and n3, n1's own entries do not.
  // A term-C entry is dropped whenever the receiver would accept it; probes
  // it must reject still arrive, so n1 backs off and sends x.
  c.network().set_drop_filter([&c, term_a](const raft::Message& m) {
    if (m.from != Id(1) || m.type != raft::MessageType::kAppend || m.entries.empty()) {
      return false;
    }
    if (m.to == Id(4)) return true;
    bool new_term = false;
    for (const auto& e : m.entries) new_term |= e.term > term_a;
    SimNode* to = c.node(m.to);
    return new_term && to != nullptr && to->up() && to->disk().last_index() >= m.index;
  });
  c.restart(Id(1));
  ASSERT_TRUE(Elect(c, Id(1)));
  raft::Term term_c = c.node(1)->raft().term();
  c.settle();
  for (int i = 0; i < 20; ++i) {  // Heartbeats, retries: nothing more may commit.
    c.run_tick();
    if (!c.node(1)->up() || c.node(1)->raft().role() != raft::Role::kLeader) break;
  }
  int holders = 0;
  for (uint64_t n : {1, 2, 3, 4, 5}) holders += HasCmd(*c.node(n), xi, "x");
  ASSERT_EQ(holders, 3) << "x should be on a majority (n1, n2, n3)";
  EXPECT_LT(c.node(1)->raft().committed().value(), xi.value())
      << "leader of term " << term_c.value() << " committed a term-" << term_a.value()
      << " entry by counting replicas (figure 8)";
  EXPECT_LT(c.node(1)->applied().value(), xi.value());

  // (d) n1 crashes, n5 returns and overwrites x with y.
  c.crash(Id(1));
  c.network().set_drop_filter(nullptr);
  c.restart(Id(5));
  ASSERT_TRUE(Elect(c, Id(5), 10));
  ASSERT_TRUE(c.run_until(
      [&] {
        for (uint64_t n : {2, 3, 4, 5}) {
          if (c.node(n)->reg().last() != "y") return false;
        }
        return true;
      },
      300));
  c.restart(Id(1));
  ASSERT_TRUE(c.run_until([&] { return c.node(1)->reg().last() == "y"; }, 300));
  for (uint64_t n : {1, 2, 3, 4, 5}) {
    EXPECT_FALSE(HasCmd(*c.node(n), xi, "x")) << "n" << n << " still has x";
    EXPECT_EQ(c.node(n)->reg().state(), c.node(5)->reg().state()) << "n" << n;
  }
  EXPECT_FALSE(c.violations().any()) << FirstViolation(c);
}

}  // namespace
}  // namespace strata::sim::scenario

// The linearizability checker on hand-made client histories.
#include "history_checker.h"

#include <gtest/gtest.h>

namespace strata::sim {
namespace {

class SimHistoryCheckerTest : public ::testing::Test {
 protected:
  // Invokes `cmd` at `t` and lands it at the next register position.
  void WriteApplied(SimTime t, const std::string& cmd) {
    h_.on_write_invoke(t, cmd);
    h_.on_position(t + 1, ++positions_, cmd);
  }
  bool Flagged(const std::string& prefix) const {
    for (const auto& v : out_.list()) {
      if (v.what.rfind(prefix, 0) == 0) return true;
    }
    return false;
  }

  Violations out_;
  HistoryChecker h_{&out_};
  uint64_t positions_ = 0;
};

TEST_F(SimHistoryCheckerTest, ReadSeeingEveryAcknowledgedWritePasses) {
  WriteApplied(10, "c1-1");
  h_.on_write_ack(20, "c1-1");
  WriteApplied(30, "c1-2");
  h_.on_write_ack(40, "c1-2");
  uint64_t r = h_.on_read_invoke(50);
  h_.on_read_complete(60, r, 2);
  EXPECT_FALSE(out_.any());
  EXPECT_EQ(h_.reads_checked(), 1u);
  EXPECT_EQ(h_.writes_acked(), 2u);
}

TEST_F(SimHistoryCheckerTest, StaleReadIsFlagged) {
  WriteApplied(10, "c1-1");
  WriteApplied(11, "c1-2");
  h_.on_write_ack(20, "c1-2");  // Position 2 acknowledged...
  uint64_t r = h_.on_read_invoke(30);
  h_.on_read_complete(40, r, 1);  // ...but the read saw only position 1.
  EXPECT_TRUE(Flagged("linearizability"));
}

TEST_F(SimHistoryCheckerTest, ConcurrentWriteMayOrMayNotBeSeen) {
  WriteApplied(10, "c1-1");
  h_.on_write_ack(20, "c1-1");
  uint64_t r1 = h_.on_read_invoke(30);
  WriteApplied(31, "c2-1");  // Concurrent with both reads.
  uint64_t r2 = h_.on_read_invoke(32);
  h_.on_read_complete(40, r1, 1);
  h_.on_read_complete(41, r2, 2);
  EXPECT_FALSE(out_.any());
}

TEST_F(SimHistoryCheckerTest, ReadsNeverGoBackInTime) {
  WriteApplied(10, "c1-1");
  WriteApplied(11, "c1-2");  // Never acknowledged, but a read sees it.
  uint64_t r1 = h_.on_read_invoke(20);
  h_.on_read_complete(30, r1, 2);
  uint64_t r2 = h_.on_read_invoke(40);
  h_.on_read_complete(50, r2, 1);
  EXPECT_TRUE(Flagged("linearizability"));
}

TEST_F(SimHistoryCheckerTest, ReadSeeingAWriteFromTheFutureIsFlagged) {
  uint64_t r = h_.on_read_invoke(10);
  WriteApplied(50, "c1-1");  // Invoked after the read completes at 20.
  h_.on_read_complete(20, r, 1);
  EXPECT_TRUE(Flagged("linearizability"));
}

TEST_F(SimHistoryCheckerTest, ReadBeyondAnythingAppliedIsFlagged) {
  uint64_t r = h_.on_read_invoke(10);
  h_.on_read_complete(20, r, 3);
  EXPECT_TRUE(Flagged("linearizability"));
}

TEST_F(SimHistoryCheckerTest, AckWithoutApplyIsFlagged) {
  h_.on_write_invoke(10, "c1-1");
  h_.on_write_ack(20, "c1-1");
  EXPECT_TRUE(Flagged("history"));
}

TEST_F(SimHistoryCheckerTest, DuplicateApplyAndUnknownCommandsAreFlagged) {
  WriteApplied(10, "c1-1");
  h_.on_position(20, 2, "c1-1");
  EXPECT_TRUE(Flagged("history: command c1-1 applied twice"));
  h_.on_position(30, 3, "nobody-sent-this");
  EXPECT_TRUE(Flagged("history: register position 3"));
}

TEST_F(SimHistoryCheckerTest, AbandonedReadsAreNotChecked) {
  WriteApplied(10, "c1-1");
  h_.on_write_ack(20, "c1-1");
  uint64_t r = h_.on_read_invoke(30);
  h_.on_read_abandon(r);
  EXPECT_FALSE(out_.any());
  EXPECT_EQ(h_.reads_checked(), 0u);
}

}  // namespace
}  // namespace strata::sim

// FaultSwitch and its decorators drop exactly what they are told to, and
// hold incoming messages back for the delay they are told to.
#include "node/fault_injection.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

namespace strata::node {
namespace {

struct RecordingTransport : Transport {
  std::vector<raft::Message> sent;
  std::vector<raft::NodeId> forwarded_to;
  void send(std::vector<raft::Message> messages) override {
    for (auto& m : messages) sent.push_back(std::move(m));
  }
  void forward(raft::NodeId leader, raft::RangeId, std::string) override {
    forwarded_to.push_back(leader);
  }
};

struct RecordingSink : MessageSink {
  std::vector<raft::Message> delivered;
  std::vector<std::pair<raft::NodeId, bool>> snapshot_reports;
  void deliver(std::vector<raft::Message> messages) override {
    for (auto& m : messages) delivered.push_back(std::move(m));
  }
  void deliver_forwarded(raft::RangeId, std::string) override {}
  void report_snapshot(raft::RangeId, raft::NodeId to, bool success) override {
    snapshot_reports.emplace_back(to, success);
  }
  void report_unreachable(raft::RangeId, raft::NodeId) override {}
};

raft::Message To(uint64_t to, raft::MessageType type = raft::MessageType::kAppend) {
  raft::Message m;
  m.type = type;
  m.to = raft::NodeId(to);
  m.from = raft::NodeId(9);
  return m;
}

TEST(FaultInjectionTest, BlockedPeersLoseTrafficOthersDoNot) {
  FaultSwitch faults;
  RecordingTransport inner;
  RecordingSink node;
  FaultyTransport out(&inner, &faults);
  out.set_sink(&node);
  FaultySink in(&node, &faults);

  faults.set_blocked({raft::NodeId(2)}, {raft::NodeId(3)});
  out.send({To(1), To(2), To(2, raft::MessageType::kSnapshot), To(3)});
  ASSERT_EQ(inner.sent.size(), 2u);
  EXPECT_EQ(inner.sent[0].to, raft::NodeId(1));
  EXPECT_EQ(inner.sent[1].to, raft::NodeId(3));
  ASSERT_EQ(node.snapshot_reports.size(), 1u);
  EXPECT_EQ(node.snapshot_reports[0], std::make_pair(raft::NodeId(2), false));
  out.forward(raft::NodeId(2), raft::RangeId(1), "p");
  out.forward(raft::NodeId(1), raft::RangeId(1), "p");
  EXPECT_EQ(inner.forwarded_to, std::vector<raft::NodeId>{raft::NodeId(1)});

  raft::Message from3 = To(9), from1 = To(9);
  from3.from = raft::NodeId(3);
  from1.from = raft::NodeId(1);
  in.deliver({from3, from1});
  ASSERT_EQ(node.delivered.size(), 1u);
  EXPECT_EQ(node.delivered[0].from, raft::NodeId(1));

  faults.heal();
  out.send({To(2)});
  in.deliver({from3});
  EXPECT_EQ(inner.sent.size(), 3u);
  EXPECT_EQ(node.delivered.size(), 2u);
}

// Delivered from the delay thread: guarded, and awaitable.
struct WaitableSink : MessageSink {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<raft::Message> delivered;  // Guarded by mu.
  void deliver(std::vector<raft::Message> messages) override {
    std::lock_guard lock(mu);
    for (auto& m : messages) delivered.push_back(std::move(m));
    cv.notify_all();
  }
  void deliver_forwarded(raft::RangeId, std::string) override {}
  void report_snapshot(raft::RangeId, raft::NodeId, bool) override {}
  void report_unreachable(raft::RangeId, raft::NodeId) override {}
  size_t count() {
    std::lock_guard lock(mu);
    return delivered.size();
  }
  bool WaitFor(size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(30), [&] { return delivered.size() >= n; });
  }
};

raft::Message Numbered(uint64_t index) {
  raft::Message m = To(9);
  m.from = raft::NodeId(1);
  m.index = raft::Index(index);
  return m;
}

TEST(FaultInjectionTest, DelayedMessagesArriveLateAndAllOfThem) {
  using std::chrono::milliseconds;
  FaultSwitch faults;
  WaitableSink node;
  FaultySink in(&node, &faults);
  faults.set_delay(milliseconds(100), milliseconds(100));
  EXPECT_EQ(faults.delay_range(), std::make_pair(milliseconds(100), milliseconds(100)));
  const auto sent = std::chrono::steady_clock::now();
  in.deliver({Numbered(1), Numbered(2)});
  EXPECT_EQ(node.count(), 0u) << "held back";
  ASSERT_TRUE(node.WaitFor(2));
  EXPECT_GE(std::chrono::steady_clock::now() - sent, milliseconds(100));

  // A range of delays reorders; nothing is lost or duplicated.
  faults.set_delay(milliseconds(0), milliseconds(30));
  for (uint64_t i = 3; i <= 202; ++i) in.deliver({Numbered(i)});
  ASSERT_TRUE(node.WaitFor(202));
  std::lock_guard lock(node.mu);
  std::set<uint64_t> seen;
  bool reordered = false;
  for (size_t i = 0; i < node.delivered.size(); ++i) {
    seen.insert(node.delivered[i].index.value());
    if (i > 0 && node.delivered[i].index < node.delivered[i - 1].index) reordered = true;
  }
  EXPECT_EQ(seen.size(), 202u);
  EXPECT_EQ(node.delivered.size(), 202u);
  EXPECT_TRUE(reordered) << "200 messages with delays of 0-30 ms all kept their order";
}

TEST(FaultInjectionTest, HealedDelayDeliversAtOnceAndStopDropsWhatIsHeld) {
  using std::chrono::milliseconds;
  FaultSwitch faults;
  WaitableSink node;
  FaultySink in(&node, &faults);
  faults.set_delay(milliseconds(60000), milliseconds(60000));
  in.deliver({Numbered(1)});
  faults.set_delay(milliseconds(0), milliseconds(0));
  in.deliver({Numbered(2)});
  ASSERT_EQ(node.count(), 1u) << "no delay: delivered on the caller's thread";
  in.stop();  // Returns at once although a message is due in a minute.
  faults.set_delay(milliseconds(1), milliseconds(1));
  in.deliver({Numbered(3)});
  in.stop();
  std::lock_guard lock(node.mu);
  ASSERT_EQ(node.delivered.size(), 1u);
  EXPECT_EQ(node.delivered[0].index, raft::Index(2));
}

TEST(FaultInjectionTest, DiskStallsAreDrawnFromTheirRange) {
  using std::chrono::milliseconds;
  FaultSwitch faults;
  EXPECT_EQ(faults.disk_stall(), milliseconds(0)) << "none by default";
  faults.set_disk_stall(milliseconds(10), milliseconds(20));
  EXPECT_EQ(faults.disk_stall_range(), std::make_pair(milliseconds(10), milliseconds(20)));
  std::set<int64_t> seen;
  for (int i = 0; i < 200; ++i) {
    const milliseconds stall = faults.disk_stall();
    ASSERT_GE(stall, milliseconds(10));
    ASSERT_LE(stall, milliseconds(20));
    seen.insert(stall.count());
  }
  EXPECT_GT(seen.size(), 5u) << "the draws vary";
  faults.set_disk_stall(milliseconds(0), milliseconds(0));
  EXPECT_EQ(faults.disk_stall(), milliseconds(0));
}

}  // namespace
}  // namespace strata::node

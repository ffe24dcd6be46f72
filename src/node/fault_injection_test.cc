// FaultSwitch and its decorators drop exactly what they are told to.
#include "node/fault_injection.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace strata::node

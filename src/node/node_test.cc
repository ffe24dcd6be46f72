// A three-node cluster in one process: real raft loop threads over
// in-memory engines, connected by a loopback transport.
#include "node/node.h"
#include "node/test_state_machine.h"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <mutex>
#include <set>

#include "storage/memory_engine.h"

namespace strata::node {
namespace {

using namespace std::chrono_literals;

class LoopbackCluster;

class LoopbackTransport : public Transport {
 public:
  explicit LoopbackTransport(LoopbackCluster* cluster) : cluster_(cluster) {}
  void send(std::vector<raft::Message> messages) override;
  void forward(raft::NodeId leader, raft::RangeId range, std::string proposal) override;

 private:
  LoopbackCluster* cluster_;
};

class LoopbackCluster {
 public:
  static constexpr int kNodes = 3;

  // Starts nodes 1..started of the kNodes members.
  explicit LoopbackCluster(uint64_t snapshot_count = 10000, int started = kNodes,
                           std::chrono::milliseconds leader_wait = 0ms)
      : transport_(this), snapshot_count_(snapshot_count), leader_wait_(leader_wait) {
    for (int i = 1; i <= kNodes; ++i) {
      engines_[i] = std::make_unique<storage::MemoryEngine>();
      if (i <= started) start(i);
    }
  }
  ~LoopbackCluster() {
    for (auto& [id, n] : nodes_) n->stop();
  }

  void start(int i) {
    NodeOptions opts;
    opts.id = raft::NodeId(i);
    opts.tick_interval = 10ms;
    opts.snapshot_count = snapshot_count_;
    opts.catch_up_entries = snapshot_count_ / 2;
    opts.leader_wait = leader_wait_;
    machines_[i] = std::make_unique<RecordingStateMachine>(engines_[i].get());
    auto node = std::make_unique<Node>(opts, engines_[i].get(), &transport_);
    raft::ConfState cs{{raft::NodeId(1), raft::NodeId(2), raft::NodeId(3)}, {}, {}, {}, false};
    ASSERT_TRUE(node->add_range(raft::RangeId(1), cs, machines_[i].get()).ok());
    ASSERT_TRUE(node->start().ok());
    std::lock_guard lock(mu_);
    nodes_[i] = std::move(node);
  }

  void stop(int i) {
    std::unique_ptr<Node> node;
    {
      std::lock_guard lock(mu_);
      node = std::move(nodes_[i]);
      nodes_.erase(i);
    }
    node->stop();
  }

  // Messages for which `drop` returns true are lost (it sees every message).
  void set_drop(std::function<bool(const raft::Message&)> drop) {
    std::lock_guard lock(mu_);
    drop_ = std::move(drop);
  }

  void route(std::vector<raft::Message> messages) {
    std::lock_guard lock(mu_);
    for (auto& m : messages) {
      if (drop_ && drop_(m)) continue;
      auto it = nodes_.find(static_cast<int>(m.to.value()));
      if (it != nodes_.end()) it->second->deliver({std::move(m)});
    }
  }

  void route_forward(raft::NodeId to, raft::RangeId range, std::string proposal) {
    std::lock_guard lock(mu_);
    auto it = nodes_.find(static_cast<int>(to.value()));
    if (it != nodes_.end()) it->second->deliver_forwarded(range, std::move(proposal));
  }

  // Waits (up to a generous deadline) for a leader all live nodes agree on.
  int await_leader() {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      int leader = 0;
      bool agreed = true;
      std::lock_guard lock(mu_);
      for (auto& [id, n] : nodes_) {
        auto st = n->status(raft::RangeId(1));
        if (!st.ok()) return 0;
        int l = static_cast<int>(st->soft_state.leader.value());
        if (l == 0 || (leader != 0 && l != leader)) agreed = false;
        leader = l;
      }
      if (agreed && leader != 0 && nodes_.contains(leader)) return leader;
      std::this_thread::sleep_for(5ms);
    }
    return 0;
  }

  Node& node(int i) { return *nodes_.at(i); }
  RecordingStateMachine& machine(int i) { return *machines_.at(i); }

  template <typename Pred>
  bool await(Pred pred) {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (pred()) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

 private:
  std::mutex mu_;
  LoopbackTransport transport_;
  uint64_t snapshot_count_;
  std::chrono::milliseconds leader_wait_;
  std::map<int, std::unique_ptr<storage::MemoryEngine>> engines_;
  std::map<int, std::unique_ptr<RecordingStateMachine>> machines_;
  std::map<int, std::unique_ptr<Node>> nodes_;
  std::function<bool(const raft::Message&)> drop_;
};

void LoopbackTransport::send(std::vector<raft::Message> messages) {
  cluster_->route(std::move(messages));
}

void LoopbackTransport::forward(raft::NodeId leader, raft::RangeId range, std::string proposal) {
  cluster_->route_forward(leader, range, std::move(proposal));
}

TEST(NodeTest, ElectsLeaderAndAppliesProposalsEverywhere) {
  LoopbackCluster c;
  int leader = c.await_leader();
  ASSERT_NE(leader, 0);
  for (int i = 0; i < 20; ++i) {
    ApplyResult r = c.node(leader).propose(raft::RangeId(1), "cmd" + std::to_string(i)).get();
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_EQ(std::any_cast<std::string>(r.response), "cmd" + std::to_string(i));
  }
  for (int i = 1; i <= 3; ++i) {
    EXPECT_TRUE(c.await([&] { return c.machine(i).commands().size() == 20; })) << "node " << i;
  }
  EXPECT_EQ(c.machine(1).commands(), c.machine(2).commands());
  EXPECT_EQ(c.machine(1).commands(), c.machine(3).commands());
}

TEST(NodeTest, FollowerForwardsProposalAndServesReadIndex) {
  LoopbackCluster c;
  int leader = c.await_leader();
  ASSERT_NE(leader, 0);
  int follower = leader % 3 + 1;
  ApplyResult forwarded = c.node(follower).propose(raft::RangeId(1), "via-follower").get();
  ASSERT_TRUE(forwarded.status.ok()) << forwarded.status.ToString();
  EXPECT_EQ(std::any_cast<std::string>(forwarded.response), "via-follower");

  ASSERT_TRUE(c.node(leader).propose(raft::RangeId(1), "w").get().status.ok());
  ReadResult read = c.node(follower).read_index(raft::RangeId(1)).get();
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  // The read point covers the acknowledged write, and the follower applied it.
  EXPECT_GE(read->value(), 3u);
  EXPECT_EQ(c.machine(follower).commands().back(), "w");
}

// One ReadIndex round in flight per replica: reads that arrive meanwhile
// wait for the next round instead of starting their own, and a round whose
// request was lost is asked again rather than stalling them all.
TEST(NodeTest, ReadsQueueBehindTheRoundInFlightWhichIsResentWhenLost) {
  LoopbackCluster c;
  int leader = c.await_leader();
  ASSERT_NE(leader, 0);
  int follower = leader % 3 + 1;
  ASSERT_TRUE(c.node(leader).propose(raft::RangeId(1), "w").get().status.ok());

  std::mutex mu;
  std::vector<std::string> sent;  // Contexts of the follower's ReadIndex requests.
  bool blocked = true;
  c.set_drop([&](const raft::Message& m) {
    if (m.type != raft::MessageType::kReadIndex || m.from != raft::NodeId(follower)) return false;
    std::lock_guard lock(mu);
    sent.push_back(m.context);
    return blocked;
  });
  auto sent_count = [&] {
    std::lock_guard lock(mu);
    return sent.size();
  };
  std::vector<std::future<ReadResult>> reads;
  reads.push_back(c.node(follower).read_index(raft::RangeId(1)));
  ASSERT_TRUE(c.await([&] { return sent_count() >= 1; }));
  for (int i = 0; i < 20; ++i) reads.push_back(c.node(follower).read_index(raft::RangeId(1)));
  // The lost request is sent again, with the same context.
  ASSERT_TRUE(c.await([&] { return sent_count() >= 2; }));
  {
    std::lock_guard lock(mu);
    for (const std::string& ctx : sent) EXPECT_EQ(ctx, sent.front());
    blocked = false;
  }
  for (auto& read : reads) {
    ReadResult r = read.get();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_GE(r->value(), 2u);
  }
  std::lock_guard lock(mu);
  std::set<std::string> rounds(sent.begin(), sent.end());
  EXPECT_EQ(rounds.size(), 2u) << "the 20 queued reads share one round";
}

TEST(NodeTest, RestartedNodeRecoversFromItsEngine) {
  LoopbackCluster c;
  int leader = c.await_leader();
  ASSERT_NE(leader, 0);
  ASSERT_TRUE(c.node(leader).propose(raft::RangeId(1), "before").get().status.ok());
  int follower = leader % 3 + 1;
  ASSERT_TRUE(c.await([&] { return c.machine(follower).commands().size() == 1; }));
  c.stop(follower);
  ASSERT_TRUE(c.node(leader).propose(raft::RangeId(1), "while-down").get().status.ok());
  c.start(follower);
  // The restarted state machine replays nothing already applied and catches up.
  ASSERT_TRUE(c.await([&] { return !c.machine(follower).commands().empty(); }));
  EXPECT_EQ(c.machine(follower).commands(), std::vector<std::string>{"while-down"});
}

TEST(NodeTest, FollowerBehindCompactedLogCatchesUpWithSnapshot) {
  LoopbackCluster c(/*snapshot_count=*/20);
  int leader = c.await_leader();
  ASSERT_NE(leader, 0);
  int follower = leader % 3 + 1;
  c.stop(follower);
  std::vector<std::string> expected;
  for (int i = 0; i < 60; ++i) {
    expected.push_back("w" + std::to_string(i));
    ASSERT_TRUE(c.node(leader).propose(raft::RangeId(1), expected.back()).get().status.ok());
  }
  auto st = c.node(leader).status(raft::RangeId(1));
  ASSERT_TRUE(st.ok());
  c.start(follower);
  ASSERT_TRUE(c.await([&] { return c.machine(follower).commands().size() == expected.size(); }));
  EXPECT_EQ(c.machine(follower).commands(), expected);
  EXPECT_EQ(c.machine(follower).imports(), 1) << "the log was compacted: only a snapshot helps";
}

TEST(NodeTest, MembershipChangeFromFollowerAppliesEverywhere) {
  LoopbackCluster c;
  int leader = c.await_leader();
  ASSERT_NE(leader, 0);
  int follower = leader % 3 + 1;
  raft::ConfChange add;
  add.changes = {{raft::ConfChangeType::kAddLearner, raft::NodeId(4)}};
  add.context = "member-4-urls";
  ApplyResult r = c.node(follower).propose_conf_change(raft::RangeId(1), add).get();
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(std::any_cast<std::string>(r.response), "member-4-urls");
  for (int i = 1; i <= 3; ++i) {
    EXPECT_TRUE(c.await([&] {
      auto st = c.node(i).status(raft::RangeId(1));
      return st.ok() && st->conf_state.learners == std::vector<raft::NodeId>{raft::NodeId(4)};
    })) << "node "
        << i;
    EXPECT_EQ(c.machine(i).conf_contexts(), std::vector<std::string>{"member-4-urls"});
  }
  raft::ConfChange bad;
  bad.changes = {{raft::ConfChangeType::kRemoveNode, raft::NodeId(1)},
                 {raft::ConfChangeType::kRemoveNode, raft::NodeId(2)},
                 {raft::ConfChangeType::kRemoveNode, raft::NodeId(3)}};
  bad.transition = raft::ConfChangeTransition::kExplicit;
  ApplyResult refused = c.node(leader).propose_conf_change(raft::RangeId(1), bad).get();
  EXPECT_TRUE(refused.status.Is(StatusCode::kFailedPrecondition)) << refused.status.ToString();
}

TEST(NodeTest, TransferLeaderMovesLeadership) {
  LoopbackCluster c;
  int leader = c.await_leader();
  ASSERT_NE(leader, 0);
  int target = leader % 3 + 1;
  std::promise<Status> started;
  c.node(leader).transfer_leader(raft::RangeId(1), raft::NodeId(target),
                                 [&](Status s) { started.set_value(s); });
  ASSERT_TRUE(started.get_future().get().ok());
  EXPECT_TRUE(c.await([&] { return c.await_leader() == target; }));
  std::promise<Status> refused;
  c.node(leader).transfer_leader(raft::RangeId(1), raft::NodeId(leader),
                                 [&](Status s) { refused.set_value(s); });
  EXPECT_TRUE(refused.get_future().get().Is(StatusCode::kNotLeader));
}

TEST(NodeTest, RequestsWaitForAnElectionToFinish) {
  // One member of three cannot elect a leader; its requests wait for one.
  LoopbackCluster c(10000, /*started=*/1, /*leader_wait=*/60s);
  std::future<ApplyResult> write = c.node(1).propose(raft::RangeId(1), "early");
  std::future<ReadResult> read = c.node(1).read_index(raft::RangeId(1));
  EXPECT_EQ(write.wait_for(50ms), std::future_status::timeout);
  c.start(2);
  c.start(3);
  ApplyResult applied = write.get();
  ASSERT_TRUE(applied.status.ok()) << applied.status.ToString();
  EXPECT_EQ(std::any_cast<std::string>(applied.response), "early");
  EXPECT_TRUE(read.get().ok());
}

TEST(NodeTest, RequestsFailWhenNoLeaderEmergesInTime) {
  LoopbackCluster c(10000, /*started=*/1, /*leader_wait=*/100ms);
  ApplyResult write = c.node(1).propose(raft::RangeId(1), "lonely").get();
  EXPECT_TRUE(write.status.Is(StatusCode::kUnavailable)) << write.status.ToString();
  ReadResult read = c.node(1).read_index(raft::RangeId(1)).get();
  EXPECT_TRUE(read.status().Is(StatusCode::kUnavailable)) << read.status().ToString();
  EXPECT_TRUE(c.machine(1).commands().empty());
}

TEST(NodeTest, UnknownRangeIsNotFound) {
  LoopbackCluster c;
  EXPECT_TRUE(c.node(1).propose(raft::RangeId(9), "x").get().status.Is(StatusCode::kNotFound));
  EXPECT_TRUE(c.node(1).read_index(raft::RangeId(9)).get().status().Is(StatusCode::kNotFound));
}

}  // namespace
}  // namespace strata::node

// End to end: three node::Node instances connected by GrpcTransport +
// RaftTransportService over 127.0.0.1. Elect, propose through a follower
// (forwarded over the transport), restart a node on the same port and watch
// it catch up, from the log and from a snapshot: whole images on in-memory
// engines, and images streamed from engine views and staged in table files
// on RocksDB.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <set>

#include "node/node.h"
#include "node/test_kv_state_machine.h"
#include "node/test_state_machine.h"
#include "node/transport_grpc.h"
#include "node/transport_service.h"
#include "node/transport_test_util.h"
#include "storage/memory_engine.h"
#include "storage/rocks_engine.h"
#include "storage/test_temp_dir.h"

namespace strata::node {
namespace {

using namespace std::chrono_literals;

const raft::RangeId kRange(1);

// RecordingStateMachine (test_state_machine.h) outlives node restarts, like
// a state machine on disk: the engine remembers the applied index, so a
// restarted node does not replay what it already holds.

// The server starts before its Node exists (the node needs the peers'
// ports); until attach(), traffic is dropped, which raft tolerates.
class LateSink final : public MessageSink {
 public:
  void attach(Node* node) { node_.store(node); }
  void deliver(std::vector<raft::Message> messages) override {
    if (Node* n = node_.load()) n->deliver(std::move(messages));
  }
  void deliver_forwarded(raft::RangeId range, std::string proposal) override {
    if (Node* n = node_.load()) n->deliver_forwarded(range, std::move(proposal));
  }
  void report_snapshot(raft::RangeId range, raft::NodeId to, bool success) override {
    if (Node* n = node_.load()) n->report_snapshot(range, to, success);
  }
  void report_unreachable(raft::RangeId range, raft::NodeId to) override {
    if (Node* n = node_.load()) n->report_unreachable(range, to);
  }
  Result<std::unique_ptr<SnapshotReader>> open_snapshot(const raft::Message& m) override {
    if (Node* n = node_.load()) return n->open_snapshot(m);
    return Status::Unavailable("node not attached");
  }
  Result<std::unique_ptr<SnapshotWriter>> receive_snapshot(
      raft::RangeId range, const raft::SnapshotMetadata& md) override {
    if (Node* n = node_.load()) return n->receive_snapshot(range, md);
    return Status::Unavailable("node not attached");
  }

 private:
  std::atomic<Node*> node_{nullptr};
};

// Engines and state machines for a cluster: RecordingStateMachine on
// in-memory engines (whole images), or KvStateMachine on RocksDB (streamed).
struct WholeImages {
  using Machine = RecordingStateMachine;
  std::unique_ptr<storage::Engine> make_engine(int) {
    return std::make_unique<storage::MemoryEngine>();
  }
};
struct StreamedImages {
  using Machine = KvStateMachine;
  storage::TestTempDir dir;
  std::unique_ptr<storage::Engine> make_engine(int i) {
    auto engine = storage::RocksEngine::Open(dir.Sub("db" + std::to_string(i)));
    STRATA_ASSERT_MSG(engine.ok(), engine.status().ToString());
    return std::move(*engine);
  }
};

template <typename Kind>
class GrpcClusterOf {
 public:
  static constexpr int kNodes = 3;
  using Machine = typename Kind::Machine;

  explicit GrpcClusterOf(uint64_t snapshot_count = 10000) : snapshot_count_(snapshot_count) {
    for (int i = 1; i <= kNodes; ++i) {
      Member& m = members_[i];
      m.engine = kind_.make_engine(i);
      m.machine = std::make_unique<Machine>(m.engine.get());
      m.sink = std::make_unique<LateSink>();
      m.server = std::make_unique<testing::PeerServer>(raft::NodeId(i), m.sink.get());
      EXPECT_TRUE(m.server->ok());
      m.port = m.server->port();
    }
    for (int i = 1; i <= kNodes; ++i) start_node(i);
  }
  ~GrpcClusterOf() {
    for (int i = 1; i <= kNodes; ++i) stop(i);
  }

  // Starts node i: its server (on its old port unless already up), its
  // transport and its Node.
  void start(int i) {
    Member& m = members_[i];
    if (m.server == nullptr) {
      m.sink = std::make_unique<LateSink>();
      m.server = std::make_unique<testing::PeerServer>(raft::NodeId(i), m.sink.get(), m.port);
      ASSERT_TRUE(m.server->ok()) << "port " << m.port << " could not be bound again";
    }
    start_node(i);
  }

  // Stops node i the way a server process does: no more incoming traffic,
  // then the raft loop, then the outgoing transport.
  void stop(int i) {
    Member& m = members_[i];
    if (m.server) m.server->shutdown();
    std::unique_ptr<Node> node;
    {
      std::lock_guard lock(mu_);
      node = std::move(m.node);
    }
    if (node) node->stop();
    if (m.transport) m.transport->stop();
    node.reset();
    m.transport.reset();
    m.server.reset();
    m.sink.reset();
  }

  Node* node(int i) {
    std::lock_guard lock(mu_);
    return members_[i].node.get();
  }
  Machine& machine(int i) { return *members_[i].machine; }
  GrpcTransport& transport(int i) { return *members_[i].transport; }

  // A leader that every running node agrees on, or 0 after the deadline.
  int await_leader() {
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
      int leader = 0;
      bool agreed = true;
      {
        std::lock_guard lock(mu_);
        for (auto& [id, m] : members_) {
          if (!m.node) continue;
          auto st = m.node->status(kRange);
          if (!st.ok()) return 0;
          int l = static_cast<int>(st->soft_state.leader.value());
          if (l == 0 || (leader != 0 && l != leader)) agreed = false;
          leader = l;
        }
        if (agreed && leader != 0 && members_[leader].node) return leader;
      }
      std::this_thread::sleep_for(10ms);
    }
    return 0;
  }

  // Proposes `command` through `via(leader)` until it is applied, riding out
  // leader changes. Returns the last error on failure.
  template <typename Via>
  Status propose(const std::string& command, Via via) {
    auto deadline = std::chrono::steady_clock::now() + 60s;
    Status last;
    while (std::chrono::steady_clock::now() < deadline) {
      int leader = await_leader();
      if (leader == 0) return Status::Unavailable("no leader");
      Node* n = node(via(leader));
      if (n == nullptr) continue;
      ApplyResult r = n->propose(kRange, command).get();
      if (r.status.ok()) return Status::Ok();
      last = r.status;
      // After a timeout the outcome is unknown: do not propose twice.
      if (r.status.Is(StatusCode::kDeadlineExceeded)) return r.status;
    }
    return last;
  }

 private:
  struct Member {
    std::unique_ptr<storage::Engine> engine;
    std::unique_ptr<Machine> machine;
    std::unique_ptr<LateSink> sink;
    std::unique_ptr<testing::PeerServer> server;
    std::unique_ptr<GrpcTransport> transport;
    std::unique_ptr<Node> node;
    int port = 0;
  };

  void start_node(int i) {
    Member& m = members_[i];
    GrpcTransportOptions to;
    to.id = raft::NodeId(i);
    for (int j = 1; j <= kNodes; ++j) {
      if (j != i) to.peers[raft::NodeId(j)] = "127.0.0.1:" + std::to_string(members_[j].port);
    }
    m.transport = std::make_unique<GrpcTransport>(to);

    NodeOptions opts;
    opts.id = raft::NodeId(i);
    opts.tick_interval = 20ms;  // Elections after 200-400 ms: fast, yet calm on 2 busy cores.
    opts.snapshot_count = snapshot_count_;
    opts.catch_up_entries = snapshot_count_ / 2;
    opts.proposal_timeout = 20s;
    auto node = std::make_unique<Node>(opts, m.engine.get(), m.transport.get());
    raft::ConfState cs{{raft::NodeId(1), raft::NodeId(2), raft::NodeId(3)}, {}, {}, {}, false};
    ASSERT_TRUE(node->add_range(kRange, cs, m.machine.get()).ok());
    m.sink->attach(node.get());
    ASSERT_TRUE(m.transport->start(m.sink.get()).ok());
    ASSERT_TRUE(node->start().ok());
    std::lock_guard lock(mu_);
    m.node = std::move(node);
  }

  Kind kind_;  // Before members_: their engines live in its directory.
  const uint64_t snapshot_count_;
  std::mutex mu_;  // Guards members_[*].node against the test thread's readers.
  std::map<int, Member> members_;
};

using GrpcCluster = GrpcClusterOf<WholeImages>;

template <typename Pred>
bool Eventually(Pred pred, std::chrono::seconds timeout = 60s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

int Follower(int leader) { return leader % GrpcCluster::kNodes + 1; }

TEST(GrpcClusterTest, ElectsProposesThroughFollowerAndRestartedNodeCatchesUp) {
  GrpcCluster c;
  ASSERT_NE(c.await_leader(), 0);

  std::vector<std::string> expected;
  for (int i = 0; i < 10; ++i) {
    expected.push_back("via-follower-" + std::to_string(i));
    Status s = c.propose(expected.back(), Follower);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  for (int i = 0; i < 10; ++i) {
    expected.push_back("via-leader-" + std::to_string(i));
    Status s = c.propose(expected.back(), [](int leader) { return leader; });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  for (int i = 1; i <= 3; ++i) {
    EXPECT_TRUE(Eventually([&] { return c.machine(i).commands() == expected; }))
        << "node " << i << " applied " << c.machine(i).commands().size();
  }
  int forwarded = 0;
  for (int i = 1; i <= 3; ++i) {
    for (const auto& [id, pm] : c.transport(i).metrics().peers) forwarded += pm.forwards_sent;
  }
  EXPECT_GE(forwarded, 10) << "follower proposals travel as forwarded proposals";

  // Restart a follower on the same port; it misses writes meanwhile.
  int leader = c.await_leader();
  ASSERT_NE(leader, 0);
  int down = Follower(leader);
  c.stop(down);
  for (int i = 0; i < 10; ++i) {
    expected.push_back("while-down-" + std::to_string(i));
    Status s = c.propose(expected.back(), [down](int l) { return l == down ? Follower(l) : l; });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  c.start(down);
  ASSERT_TRUE(Eventually([&] { return c.machine(down).commands() == expected; }))
      << "restarted node applied " << c.machine(down).commands().size() << " of "
      << expected.size();
  EXPECT_EQ(c.machine(down).imports(), 0) << "the log had everything: no snapshot needed";

  // And it takes part again: a proposal through it applies everywhere.
  expected.push_back("after-restart");
  ASSERT_TRUE(c.propose(expected.back(), [down](int) { return down; }).ok());
  for (int i = 1; i <= 3; ++i) {
    EXPECT_TRUE(Eventually([&] { return c.machine(i).commands() == expected; })) << "node " << i;
  }
}

TEST(GrpcClusterTest, RestartedNodeBehindCompactedLogCatchesUpWithSnapshot) {
  GrpcCluster c(/*snapshot_count=*/20);
  int leader = c.await_leader();
  ASSERT_NE(leader, 0);
  int down = Follower(leader);
  c.stop(down);
  std::vector<std::string> expected;
  for (int i = 0; i < 60; ++i) {
    expected.push_back("w" + std::to_string(i));
    Status s = c.propose(expected.back(), [down](int l) { return l == down ? Follower(l) : l; });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  c.start(down);
  ASSERT_TRUE(Eventually([&] { return c.machine(down).commands() == expected; }))
      << "restarted node applied " << c.machine(down).commands().size();
  EXPECT_GE(c.machine(down).imports(), 1) << "the log was compacted: only a snapshot helps";
  // The sender counts the transfer once the peer's answer is back, which
  // may be after the peer installed the image.
  EXPECT_TRUE(Eventually([&] {
    uint64_t snapshots = 0;
    for (int i = 1; i <= 3; ++i) {
      if (i == down) continue;
      for (const auto& [id, pm] : c.transport(i).metrics().peers) snapshots += pm.snapshots_sent;
    }
    return snapshots >= 1;
  })) << "the image travelled over SendSnapshot";
}

// The server's path: the leader streams the image from an engine view, the
// follower stages it in table files and ingests them.
TEST(GrpcClusterTest, StreamedSnapshotBringsARestartedNodeBack) {
  GrpcClusterOf<StreamedImages> c(/*snapshot_count=*/20);
  int leader = c.await_leader();
  ASSERT_NE(leader, 0);
  int down = Follower(leader);
  std::vector<std::string> expected;
  for (int i = 0; i < 5; ++i) {
    expected.push_back("before" + std::to_string(i));
    ASSERT_TRUE(c.propose(expected.back(), [](int l) { return l; }).ok());
  }
  ASSERT_TRUE(Eventually([&] { return c.machine(down).commands() == expected; }));
  c.stop(down);
  for (int i = 0; i < 80; ++i) {
    expected.push_back("w" + std::to_string(i) + std::string(200, 'x'));
    Status s = c.propose(expected.back(), [down](int l) { return l == down ? Follower(l) : l; });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  c.start(down);
  ASSERT_TRUE(Eventually([&] { return c.machine(down).commands() == expected; }))
      << "restarted node applied " << c.machine(down).commands().size() << " of "
      << expected.size();
  // The store shows the new state before import_state returns and counts.
  EXPECT_TRUE(Eventually([&] { return c.machine(down).imports() >= 1; }))
      << "the log was compacted: only a snapshot helps";
  EXPECT_EQ(c.machine(down).staged_images(), 0) << "every staged image was installed";
  EXPECT_TRUE(Eventually([&] {
    uint64_t snapshots = 0;
    for (int i = 1; i <= 3; ++i) {
      if (i == down) continue;
      for (const auto& [id, pm] : c.transport(i).metrics().peers) snapshots += pm.snapshots_sent;
    }
    return snapshots >= 1;
  }));
  // It takes part again, and a write through it applies everywhere.
  expected.push_back("after");
  ASSERT_TRUE(c.propose(expected.back(), [down](int) { return down; }).ok());
  for (int i = 1; i <= 3; ++i) {
    EXPECT_TRUE(Eventually([&] { return c.machine(i).commands() == expected; })) << "node " << i;
  }
}

}  // namespace
}  // namespace strata::node

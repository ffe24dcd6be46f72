// Behaviour tests of the core through a tiny synchronous network. The
// randomized, fault-injecting checks live in the simulator (tools/sim).
#include "raft/raft.h"

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <map>

namespace strata::raft {
namespace {

struct TestNode {
  MemoryStorage storage;
  std::unique_ptr<Raft> raft;
  std::vector<std::string> applied;  // Non-empty normal entries, in order.
  std::vector<ReadState> reads;
};

class TestCluster {
 public:
  // Nodes 1..voters start as members; ids up to total exist but start empty.
  explicit TestCluster(int voters, int total = 0) {
    if (total < voters) total = voters;
    ConfState cs;
    for (int i = 1; i <= voters; ++i) cs.voters.push_back(NodeId(i));
    for (int i = 1; i <= total; ++i) {
      auto& n = nodes_[i];
      n = std::make_unique<TestNode>();
      if (i <= voters) {
        EXPECT_TRUE(n->storage.apply_snapshot(Snapshot{{Index(1), Term(1), cs}, ""}).ok());
      }
      start(i);
    }
  }

  void start(int i) {
    Config cfg;
    cfg.id = NodeId(i);
    cfg.storage = &nodes_[i]->storage;
    cfg.seed = 42;
    auto r = Raft::Create(cfg);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    nodes_[i]->raft = std::move(*r);
  }

  Raft& raft(int i) { return *nodes_.at(i)->raft; }
  TestNode& node(int i) { return *nodes_.at(i); }

  // Handles every pending Ready and delivers messages until quiet.
  void settle() {
    for (int round = 0; round < 10000; ++round) {
      bool progress = false;
      for (auto& [id, n] : nodes_) progress |= process(id);
      while (!queue_.empty()) {
        Message m = std::move(queue_.front());
        queue_.pop_front();
        progress = true;
        if (drop && drop(m)) continue;
        auto& target = nodes_.at(static_cast<int>(m.to.value()));
        Status s = target->raft->step(m);
        EXPECT_TRUE(s.ok()) << s.ToString();
      }
      if (!progress) return;
    }
    FAIL() << "cluster did not settle";
  }

  void tick_all(int ticks) {
    for (int t = 0; t < ticks; ++t) {
      for (auto& [id, n] : nodes_) n->raft->tick();
      settle();
    }
  }

  int leader() const {
    int found = 0;
    for (auto& [id, n] : nodes_) {
      if (n->raft->role() == Role::kLeader) {
        EXPECT_EQ(found, 0) << "two leaders";
        found = id;
      }
    }
    return found;
  }

  std::function<bool(const Message&)> drop;

 private:
  bool process(int id) {
    TestNode& n = *nodes_[id];
    if (!n.raft->has_ready()) return false;
    Ready rd = n.raft->ready();
    if (rd.snapshot) {
      EXPECT_TRUE(n.storage.apply_snapshot(*rd.snapshot).ok());
    }
    n.storage.append(rd.entries);
    if (rd.hard_state) n.storage.set_hard_state(*rd.hard_state);
    for (auto& m : rd.messages) queue_.push_back(std::move(m));
    for (const Entry& e : rd.committed_entries) {
      if (e.type == EntryType::kConfChange) {
        ConfChange cc;
        EXPECT_TRUE(ConfChange::Decode(e.data, &cc));
        EXPECT_TRUE(n.raft->apply_conf_change(cc).ok());
      } else if (!e.data.empty()) {
        n.applied.push_back(e.data);
      }
    }
    for (auto& rs : rd.read_states) n.reads.push_back(rs);
    n.raft->advance();
    return true;
  }

  std::map<int, std::unique_ptr<TestNode>> nodes_;
  std::deque<Message> queue_;
};

TEST(RaftTest, CampaignElectsOneLeaderInNextTerm) {
  TestCluster c(3);
  ASSERT_TRUE(c.raft(1).campaign().ok());
  c.settle();
  EXPECT_EQ(c.leader(), 1);
  EXPECT_EQ(c.raft(1).term(), Term(1));
  EXPECT_EQ(c.raft(2).leader(), NodeId(1));
  EXPECT_EQ(c.raft(3).leader(), NodeId(1));
}

TEST(RaftTest, TicksAloneElectALeader) {
  TestCluster c(5);
  c.tick_all(40);
  EXPECT_NE(c.leader(), 0);
}

TEST(RaftTest, ProposalsReplicateAndApplyEverywhere) {
  TestCluster c(3);
  ASSERT_TRUE(c.raft(1).campaign().ok());
  c.settle();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.raft(1).propose("v" + std::to_string(i)).ok());
  c.settle();
  for (int id = 1; id <= 3; ++id) {
    EXPECT_EQ(c.node(id).applied, (std::vector<std::string>{"v0", "v1", "v2", "v3", "v4"}));
  }
}

TEST(RaftTest, FollowerRefusesProposalsWithLeaderHint) {
  TestCluster c(3);
  ASSERT_TRUE(c.raft(1).campaign().ok());
  c.settle();
  Status s = c.raft(2).propose("x");
  EXPECT_TRUE(s.Is(StatusCode::kNotLeader));
  EXPECT_NE(s.message().find("node 1"), std::string::npos);
}

TEST(RaftTest, MinorityCannotCommit) {
  TestCluster c(3);
  ASSERT_TRUE(c.raft(1).campaign().ok());
  c.settle();
  Index before = c.raft(1).committed();
  c.drop = [](const Message& m) { return m.from == NodeId(1) || m.to == NodeId(1); };
  ASSERT_TRUE(c.raft(1).propose("lonely").ok());
  c.settle();
  EXPECT_EQ(c.raft(1).committed(), before);
  EXPECT_TRUE(c.node(1).applied.empty());
}

TEST(RaftTest, CheckQuorumDeposesIsolatedLeader) {
  TestCluster c(3);
  ASSERT_TRUE(c.raft(1).campaign().ok());
  c.settle();
  c.drop = [](const Message& m) { return m.from == NodeId(1) || m.to == NodeId(1); };
  c.tick_all(25);
  EXPECT_NE(c.raft(1).role(), Role::kLeader);
}

TEST(RaftTest, PreVoteKeepsPartitionedNodeFromInflatingTerms) {
  TestCluster c(3);
  ASSERT_TRUE(c.raft(1).campaign().ok());
  c.settle();
  Term term = c.raft(1).term();
  c.drop = [](const Message& m) { return m.from == NodeId(3) || m.to == NodeId(3); };
  c.tick_all(100);
  EXPECT_EQ(c.raft(3).term(), term) << "pre-vote must fail without bumping the term";
  c.drop = nullptr;
  c.tick_all(5);
  EXPECT_EQ(c.leader(), 1);
  EXPECT_EQ(c.raft(1).term(), term);
}

TEST(RaftTest, ReadIndexOnLeaderAndFollower) {
  TestCluster c(3);
  ASSERT_TRUE(c.raft(1).campaign().ok());
  c.settle();
  ASSERT_TRUE(c.raft(1).propose("a").ok());
  c.settle();
  ASSERT_TRUE(c.raft(1).read_index("r1").ok());
  ASSERT_TRUE(c.raft(2).read_index("r2").ok());
  c.settle();
  ASSERT_EQ(c.node(1).reads.size(), 1u);
  EXPECT_EQ(c.node(1).reads[0].request_ctx, "r1");
  EXPECT_EQ(c.node(1).reads[0].index, c.raft(1).committed());
  ASSERT_EQ(c.node(2).reads.size(), 1u);
  EXPECT_EQ(c.node(2).reads[0].request_ctx, "r2");
  EXPECT_EQ(c.node(2).reads[0].index, c.raft(1).committed());
}

TEST(RaftTest, ReadRequestIsNotServedByAnEarlierRound) {
  TestCluster c(3);
  ASSERT_TRUE(c.raft(1).campaign().ok());
  c.settle();
  c.drop = [](const Message& m) { return m.type == MessageType::kHeartbeatResponse; };
  ASSERT_TRUE(c.raft(1).read_index("r1").ok());
  c.settle();
  Index before = c.raft(1).committed();
  ASSERT_TRUE(c.raft(1).propose("x").ok());
  c.settle();
  Index after = c.raft(1).committed();
  ASSERT_GT(after, before);
  // r2 arrives while r1's round (read point `before`) is still unconfirmed.
  ASSERT_TRUE(c.raft(2).read_index("r2").ok());
  c.settle();
  EXPECT_TRUE(c.node(1).reads.empty());
  EXPECT_TRUE(c.node(2).reads.empty());
  c.drop = nullptr;
  c.tick_all(1);
  ASSERT_EQ(c.node(1).reads.size(), 1u);
  EXPECT_EQ(c.node(1).reads[0].index, before);
  ASSERT_EQ(c.node(2).reads.size(), 1u);
  EXPECT_EQ(c.node(2).reads[0].index, after) << "r2 must not get r1's read point";
}

TEST(RaftTest, ReadIndexNeedsAQuorumOfHeartbeats) {
  TestCluster c(3);
  ASSERT_TRUE(c.raft(1).campaign().ok());
  c.settle();
  c.drop = [](const Message& m) { return m.type == MessageType::kHeartbeatResponse; };
  ASSERT_TRUE(c.raft(1).read_index("r").ok());
  c.settle();
  EXPECT_TRUE(c.node(1).reads.empty()) << "a leader must confirm leadership before answering";
  c.drop = nullptr;
  c.tick_all(1);
  EXPECT_EQ(c.node(1).reads.size(), 1u);
}

TEST(RaftTest, LeaderTransferHandsOver) {
  TestCluster c(3);
  ASSERT_TRUE(c.raft(1).campaign().ok());
  c.settle();
  ASSERT_TRUE(c.raft(1).transfer_leader(NodeId(3)).ok());
  c.settle();
  EXPECT_EQ(c.leader(), 3);
  EXPECT_TRUE(c.raft(2).transfer_leader(NodeId(1)).Is(StatusCode::kNotLeader));
  EXPECT_TRUE(c.raft(3).transfer_leader(NodeId(9)).Is(StatusCode::kInvalidArgument));
}

TEST(RaftTest, AddLearnerCatchesUpByAppendThenPromote) {
  TestCluster c(3, 4);
  ASSERT_TRUE(c.raft(1).campaign().ok());
  c.settle();
  ASSERT_TRUE(c.raft(1).propose("before").ok());
  c.settle();
  ConfChange add;
  add.changes = {{ConfChangeType::kAddLearner, NodeId(4)}};
  ASSERT_TRUE(c.raft(1).propose_conf_change(add).ok());
  c.settle();
  c.tick_all(3);
  EXPECT_EQ(c.node(4).applied, std::vector<std::string>{"before"})
      << "learner must receive the log (via snapshot of the bootstrap state, then entries)";
  EXPECT_FALSE(c.raft(4).campaign().ok()) << "a learner cannot campaign";

  ConfChange promote;
  promote.changes = {{ConfChangeType::kAddNode, NodeId(4)}};
  ASSERT_TRUE(c.raft(1).propose_conf_change(promote).ok());
  c.settle();
  EXPECT_EQ(c.raft(1).status().conf_state.voters.size(), 4u);
  EXPECT_TRUE(c.raft(4).campaign().ok());
}

TEST(RaftTest, SecondConfChangeWaitsForFirstToApply) {
  TestCluster c(3, 5);
  ASSERT_TRUE(c.raft(1).campaign().ok());
  c.settle();
  c.drop = [](const Message& m) { return m.from == NodeId(1); };
  ConfChange add;
  add.changes = {{ConfChangeType::kAddLearner, NodeId(4)}};
  ASSERT_TRUE(c.raft(1).propose_conf_change(add).ok());
  add.changes = {{ConfChangeType::kAddLearner, NodeId(5)}};
  EXPECT_TRUE(c.raft(1).propose_conf_change(add).Is(StatusCode::kUnavailable));
}

TEST(RaftTest, JointConsensusRemovesLeaderAndNewLeaderEmerges) {
  TestCluster c(3, 4);
  ASSERT_TRUE(c.raft(1).campaign().ok());
  c.settle();
  ConfChange swap;
  swap.transition = ConfChangeTransition::kAuto;
  swap.changes = {{ConfChangeType::kAddNode, NodeId(4)}, {ConfChangeType::kRemoveNode, NodeId(1)}};
  ASSERT_TRUE(c.raft(1).propose_conf_change(swap).ok());
  c.settle();
  c.tick_all(40);
  int leader = c.leader();
  EXPECT_NE(leader, 0);
  EXPECT_NE(leader, 1) << "the removed leader must step down";
  ConfState cs = c.raft(leader).status().conf_state;
  EXPECT_TRUE(cs.voters_outgoing.empty()) << "auto-leave must finish the joint config";
  EXPECT_EQ(cs.voters, (std::vector<NodeId>{NodeId(2), NodeId(3), NodeId(4)}));
  ASSERT_TRUE(c.raft(leader).propose("after").ok());
  c.settle();
  EXPECT_EQ(c.node(4).applied, std::vector<std::string>{"after"});
  EXPECT_TRUE(c.node(1).applied.empty());
}

// Thesis 10.2.1: a leader may write its log in parallel with its followers,
// but votes and acknowledgements are promises about the disk.
TEST(RaftTest, OnlyAnEstablishedLeaderMaySendBeforePersisting) {
  TestCluster c(3);
  ASSERT_TRUE(c.raft(1).campaign().ok());
  Ready pre_vote = c.raft(1).ready();  // Pre-candidate: nothing durable yet.
  EXPECT_FALSE(pre_vote.messages_before_persist);
  c.raft(1).advance();
  for (const Message& m : pre_vote.messages) {
    ASSERT_TRUE(c.raft(static_cast<int>(m.to.value())).step(m).ok());
  }
  c.settle();
  ASSERT_EQ(c.leader(), 1);

  ASSERT_TRUE(c.raft(1).propose("x").ok());
  Ready leader = c.raft(1).ready();
  ASSERT_FALSE(leader.entries.empty());
  ASSERT_FALSE(leader.messages.empty());
  EXPECT_TRUE(leader.messages_before_persist);
  Message append = leader.messages.front();
  c.node(1).storage.append(leader.entries);
  c.raft(1).advance();

  int follower_id = static_cast<int>(append.to.value());
  ASSERT_TRUE(c.raft(follower_id).step(append).ok());
  Ready follower = c.raft(follower_id).ready();
  ASSERT_FALSE(follower.messages.empty());  // The acknowledgement.
  EXPECT_FALSE(follower.messages_before_persist);
  c.node(follower_id).storage.append(follower.entries);
  c.raft(follower_id).advance();
}

TEST(RaftTest, RestartKeepsTermVoteAndLog) {
  TestCluster c(3);
  ASSERT_TRUE(c.raft(1).campaign().ok());
  c.settle();
  ASSERT_TRUE(c.raft(1).propose("durable").ok());
  c.settle();
  Term term = c.raft(2).term();
  Index last = c.raft(2).last_index();
  c.start(2);  // Rebuild node 2 from its storage alone.
  EXPECT_EQ(c.raft(2).term(), term);
  EXPECT_EQ(c.raft(2).last_index(), last);
  EXPECT_EQ(c.raft(2).committed(), c.raft(1).committed());
}

class RaftValidationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(c_.raft(1).campaign().ok());
    c_.settle();
    ASSERT_TRUE(c_.raft(1).propose("x").ok());
    c_.settle();
  }
  // Steps `m` into node 2 and checks it was refused and changed nothing.
  void ExpectRejected(Message m) {
    RaftStatus before = c_.raft(2).status();
    Status s = c_.raft(2).step(m);
    EXPECT_TRUE(s.Is(StatusCode::kInvalidArgument)) << s.ToString();
    RaftStatus after = c_.raft(2).status();
    EXPECT_EQ(before.hard_state, after.hard_state);
    EXPECT_EQ(before.soft_state, after.soft_state);
    EXPECT_EQ(before.last_index, after.last_index);
  }
  Message Valid() {
    Message m;
    m.type = MessageType::kAppend;
    m.range = RangeId(1);
    m.from = NodeId(1);
    m.to = NodeId(2);
    m.term = c_.raft(1).term() + 1;
    m.index = c_.raft(2).last_index();
    m.log_term = c_.raft(2).term();
    return m;
  }
  TestCluster c_{3};
};

TEST_F(RaftValidationTest, MalformedMessagesAreRejected) {
  Message m = Valid();
  m.to = NodeId(3);
  ExpectRejected(m);
  m = Valid();
  m.from = NodeId(0);
  ExpectRejected(m);
  m = Valid();
  m.from = NodeId(2);
  ExpectRejected(m);
  m = Valid();
  m.range = RangeId(7);
  ExpectRejected(m);
  m = Valid();
  m.term = Term(0);
  ExpectRejected(m);
  m = Valid();
  m.type = static_cast<MessageType>(200);
  ExpectRejected(m);
  m = Valid();
  m.entries = {Entry{m.term, m.index + 2, EntryType::kNormal, "gap"}};
  ExpectRejected(m);
  m = Valid();
  m.entries = {Entry{m.term + 5, m.index + 1, EntryType::kNormal, "future"}};
  ExpectRejected(m);
  m = Valid();
  m.log_term = m.term + 1;
  ExpectRejected(m);
  m = Valid();
  m.type = MessageType::kHeartbeat;
  m.commit = Index(1000);
  ExpectRejected(m);
  m = Valid();
  m.type = MessageType::kSnapshot;  // Without a snapshot.
  ExpectRejected(m);
  m = Valid();
  m.type = MessageType::kVote;
  m.entries = {Entry{m.term, m.index + 1, EntryType::kNormal, "x"}};
  ExpectRejected(m);
}

TEST_F(RaftValidationTest, ResponsesFromStrangersAreRejectedByLeader) {
  Message m;
  m.type = MessageType::kAppendResponse;
  m.range = RangeId(1);
  m.from = NodeId(9);
  m.to = NodeId(1);
  m.term = c_.raft(1).term();
  m.index = Index(1);
  EXPECT_TRUE(c_.raft(1).step(m).Is(StatusCode::kInvalidArgument));
  m.from = NodeId(2);
  m.index = Index(1000);  // Acknowledges entries the leader never had.
  EXPECT_TRUE(c_.raft(1).step(m).Is(StatusCode::kInvalidArgument));
  EXPECT_EQ(c_.raft(1).role(), Role::kLeader);
}

// Found by strata-sim seed 1: the rejection lacked a term and tripped an assertion.
TEST_F(RaftValidationTest, StalePreVoteIsRejectedWithOurTerm) {
  Message m;
  m.type = MessageType::kPreVote;
  m.range = RangeId(1);
  m.from = NodeId(3);
  m.to = NodeId(1);
  m.term = Term(1);
  // A forced vote request from a later term makes the pre-vote stale.
  Message bump;
  bump.type = MessageType::kVote;
  bump.range = RangeId(1);
  bump.from = NodeId(2);
  bump.to = NodeId(1);
  bump.term = c_.raft(1).term() + 5;
  bump.index = Index(100);
  bump.log_term = bump.term;
  bump.context = "transfer";
  ASSERT_TRUE(c_.raft(1).step(bump).ok());
  ASSERT_GT(c_.raft(1).term(), m.term);
  ASSERT_TRUE(c_.raft(1).step(m).ok());
  Ready rd = c_.raft(1).ready();
  bool found = false;
  for (const Message& out : rd.messages) {
    if (out.type == MessageType::kPreVoteResponse && out.to == NodeId(3)) {
      found = true;
      EXPECT_TRUE(out.reject);
      EXPECT_EQ(out.term, c_.raft(1).term());
    }
  }
  EXPECT_TRUE(found);
  c_.raft(1).advance();
}

TEST(RaftConfigTest, BadConfigsAreRejected) {
  MemoryStorage s;
  Config cfg;
  cfg.storage = &s;
  EXPECT_FALSE(Raft::Create(cfg).ok()) << "id 0";
  cfg.id = NodeId(1);
  cfg.election_ticks = 1;
  EXPECT_FALSE(Raft::Create(cfg).ok()) << "election <= heartbeat";
  cfg.election_ticks = 10;
  cfg.applied = Index(5);
  EXPECT_FALSE(Raft::Create(cfg).ok()) << "applied past commit";
}

}  // namespace
}  // namespace strata::raft

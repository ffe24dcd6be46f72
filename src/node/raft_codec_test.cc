// The raft message codec: randomized round trips (in memory and through the
// wire bytes) and the representation checks on decode.
#include "node/raft_codec.h"

#include <gtest/gtest.h>

#include <random>

namespace strata::node {
namespace {

using raft::MessageType;

class RandomMessages {
 public:
  explicit RandomMessages(uint64_t seed) : rng_(seed) {}

  uint64_t u64() {
    // Mix small values (the common case) with full-width ones (varint edges).
    switch (rng_() % 4) {
      case 0:
        return 0;
      case 1:
        return rng_() % 16;
      case 2:
        return rng_() % 100000;
      default:
        return rng_();
    }
  }
  std::string bytes(size_t max) {
    std::string s(rng_() % (max + 1), '\0');
    for (char& c : s) c = static_cast<char>(rng_());
    return s;
  }
  std::vector<raft::NodeId> ids() {
    std::vector<raft::NodeId> out(rng_() % 5);
    for (auto& id : out) id = raft::NodeId(1 + rng_() % 1000);
    return out;
  }
  raft::ConfState conf_state() {
    return raft::ConfState{ids(), ids(), ids(), ids(), rng_() % 2 == 0};
  }
  raft::Message message() {
    raft::Message m;
    m.type = static_cast<MessageType>(rng_() % 12);
    m.range = raft::RangeId(u64());
    m.from = raft::NodeId(u64());
    m.to = raft::NodeId(u64());
    m.term = raft::Term(u64());
    m.log_term = raft::Term(u64());
    m.index = raft::Index(u64());
    if (m.type == MessageType::kAppend) {
      m.entries.resize(rng_() % 6);
      for (auto& e : m.entries) {
        e.term = raft::Term(u64());
        e.index = raft::Index(u64());
        e.type = rng_() % 2 == 0 ? raft::EntryType::kNormal : raft::EntryType::kConfChange;
        e.data = bytes(64);
      }
    }
    m.commit = raft::Index(u64());
    m.reject = rng_() % 2 == 0;
    m.reject_hint = raft::Index(u64());
    m.context = bytes(16);
    if (m.type == MessageType::kSnapshot) {
      m.snapshot = std::make_shared<const raft::Snapshot>(
          raft::Snapshot{{raft::Index(u64()), raft::Term(u64()), conf_state()}, bytes(256)});
    }
    return m;
  }
  std::mt19937_64& rng() { return rng_; }

 private:
  std::mt19937_64 rng_;
};

TEST(RaftCodecTest, RandomMessagesRoundTripThroughTheWire) {
  RandomMessages gen(20240611);
  for (int i = 0; i < 5000; ++i) {
    raft::Message m = gen.message();
    raftpb::Message pm;
    EncodeMessage(m, &pm);
    std::string wire;
    ASSERT_TRUE(pm.SerializeToString(&wire));
    raftpb::Message parsed;
    ASSERT_TRUE(parsed.ParseFromString(wire));

    Result<raft::Message> copied = DecodeMessage(parsed);
    ASSERT_TRUE(copied.ok()) << copied.status().ToString();
    EXPECT_EQ(*copied, m) << "iteration " << i;

    // The moving overloads give the same result.
    raft::Message moved_in = m;
    raftpb::Message pm2;
    EncodeMessage(std::move(moved_in), &pm2);
    Result<raft::Message> moved_out = DecodeMessage(std::move(pm2));
    ASSERT_TRUE(moved_out.ok()) << moved_out.status().ToString();
    EXPECT_EQ(*moved_out, m) << "iteration " << i;
  }
}

TEST(RaftCodecTest, OmittingSnapshotDataKeepsMetadata) {
  raft::Message m;
  m.type = MessageType::kSnapshot;
  auto snap = std::make_shared<raft::Snapshot>();
  snap->metadata.index = raft::Index(9);
  snap->metadata.term = raft::Term(2);
  snap->metadata.conf_state.voters.push_back(raft::NodeId(1));
  snap->data = std::string(1000, 'x');
  m.snapshot = std::move(snap);
  raftpb::Message pm;
  EncodeMessage(m, &pm, SnapshotData::kOmit);
  EXPECT_TRUE(pm.snapshot().data().empty());
  auto back = DecodeMessage(pm);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->snapshot->metadata, m.snapshot->metadata);
  EXPECT_TRUE(back->snapshot->data.empty());
}

TEST(RaftCodecTest, SnapshotAndConfStateRoundTrip) {
  RandomMessages gen(7);
  for (int i = 0; i < 200; ++i) {
    raft::Snapshot s{{raft::Index(gen.u64()), raft::Term(gen.u64()), gen.conf_state()},
                     gen.bytes(100)};
    raftpb::Snapshot ps;
    EncodeSnapshot(s, &ps);
    auto back = DecodeSnapshot(ps);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, s);
  }
}

raftpb::Message Heartbeat() {
  raftpb::Message pm;
  pm.set_type(raftpb::MSG_HEARTBEAT);
  pm.set_range(1);
  pm.set_from(1);
  pm.set_to(2);
  pm.set_term(3);
  return pm;
}

TEST(RaftCodecTest, RejectsUnknownMessageType) {
  raftpb::Message pm = Heartbeat();
  pm.set_type(static_cast<raftpb::MessageType>(12));
  EXPECT_TRUE(DecodeMessage(pm).status().Is(StatusCode::kInvalidArgument));
  pm.set_type(static_cast<raftpb::MessageType>(-1));
  EXPECT_TRUE(DecodeMessage(pm).status().Is(StatusCode::kInvalidArgument));
}

TEST(RaftCodecTest, RejectsUnknownEntryType) {
  raftpb::Message pm = Heartbeat();
  pm.set_type(raftpb::MSG_APPEND);
  raftpb::Entry* e = pm.add_entries();
  e->set_type(static_cast<raftpb::EntryType>(2));
  EXPECT_TRUE(DecodeMessage(pm).status().Is(StatusCode::kInvalidArgument));
  EXPECT_TRUE(DecodeEntry(*e).status().Is(StatusCode::kInvalidArgument));
}

TEST(RaftCodecTest, RejectsSnapshotOnTheWrongType) {
  raftpb::Message pm = Heartbeat();
  pm.mutable_snapshot()->mutable_metadata()->set_index(5);
  EXPECT_TRUE(DecodeMessage(pm).status().Is(StatusCode::kInvalidArgument));

  raftpb::Message snap = Heartbeat();
  snap.set_type(raftpb::MSG_SNAPSHOT);
  EXPECT_TRUE(DecodeMessage(snap).status().Is(StatusCode::kInvalidArgument))
      << "MSG_SNAPSHOT without a snapshot";
  snap.mutable_snapshot();  // Present, even if empty.
  EXPECT_TRUE(DecodeMessage(snap).ok());
}

TEST(RaftCodecTest, RejectsEntriesOutsideAppend) {
  raftpb::Message pm = Heartbeat();
  pm.add_entries()->set_index(1);
  EXPECT_TRUE(DecodeMessage(pm).status().Is(StatusCode::kInvalidArgument));
  pm.set_type(raftpb::MSG_APPEND);
  EXPECT_TRUE(DecodeMessage(pm).ok());
}

TEST(RaftCodecTest, RejectsNodeZeroInMembership) {
  raftpb::ConfState cs;
  cs.add_voters(1);
  cs.add_learners(0);
  EXPECT_TRUE(DecodeConfState(cs).status().Is(StatusCode::kInvalidArgument));

  raftpb::Message pm = Heartbeat();
  pm.set_type(raftpb::MSG_SNAPSHOT);
  *pm.mutable_snapshot()->mutable_metadata()->mutable_conf_state() = cs;
  EXPECT_TRUE(DecodeMessage(pm).status().Is(StatusCode::kInvalidArgument));
}

// Arbitrary bytes that happen to parse never crash the decoder, and whatever
// it accepts survives a second round trip unchanged.
TEST(RaftCodecTest, GarbageNeverCrashesAndAcceptedInputIsStable) {
  RandomMessages gen(99);
  int parsed = 0, accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string wire;
    if (i % 2 == 0) {
      wire = gen.bytes(64);
    } else {
      // Mutate a valid encoding: realistic near-misses.
      raftpb::Message pm;
      EncodeMessage(gen.message(), &pm);
      wire = pm.SerializeAsString();
      if (!wire.empty())
        wire[gen.rng()() % wire.size()] ^= static_cast<char>(1 + gen.rng()() % 255);
    }
    raftpb::Message pm;
    if (!pm.ParseFromString(wire)) continue;
    ++parsed;
    Result<raft::Message> m = DecodeMessage(pm);
    if (!m.ok()) {
      EXPECT_TRUE(m.status().Is(StatusCode::kInvalidArgument)) << m.status().ToString();
      continue;
    }
    ++accepted;
    raftpb::Message again;
    EncodeMessage(*m, &again);
    Result<raft::Message> m2 = DecodeMessage(again);
    ASSERT_TRUE(m2.ok());
    EXPECT_EQ(*m2, *m);
  }
  EXPECT_GT(parsed, 1000);
  EXPECT_GT(accepted, 100);
}

}  // namespace
}  // namespace strata::node

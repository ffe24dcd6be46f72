// Strata's own protocol files: enum numbers track the C++ Raft types, and
// the main messages survive serialization.
#include <gtest/gtest.h>

#include "raft/types.h"
#include "strata/raft.pb.h"
#include "strata/request.pb.h"

namespace strata {
namespace {

TEST(RaftProto, MessageTypeNumbersEqualTheCppEnumerators) {
  using raft::MessageType;
  const std::pair<raftpb::MessageType, MessageType> pairs[] = {
      {raftpb::MSG_APPEND, MessageType::kAppend},
      {raftpb::MSG_APPEND_RESPONSE, MessageType::kAppendResponse},
      {raftpb::MSG_VOTE, MessageType::kVote},
      {raftpb::MSG_VOTE_RESPONSE, MessageType::kVoteResponse},
      {raftpb::MSG_PRE_VOTE, MessageType::kPreVote},
      {raftpb::MSG_PRE_VOTE_RESPONSE, MessageType::kPreVoteResponse},
      {raftpb::MSG_SNAPSHOT, MessageType::kSnapshot},
      {raftpb::MSG_HEARTBEAT, MessageType::kHeartbeat},
      {raftpb::MSG_HEARTBEAT_RESPONSE, MessageType::kHeartbeatResponse},
      {raftpb::MSG_TIMEOUT_NOW, MessageType::kTimeoutNow},
      {raftpb::MSG_READ_INDEX, MessageType::kReadIndex},
      {raftpb::MSG_READ_INDEX_RESPONSE, MessageType::kReadIndexResponse},
  };
  for (const auto& [wire, cpp] : pairs) {
    EXPECT_EQ(static_cast<int>(wire), static_cast<int>(cpp)) << raftpb::MessageType_Name(wire);
  }
  EXPECT_EQ(raftpb::MessageType_descriptor()->value_count(), std::size(pairs));
  EXPECT_EQ(static_cast<int>(raftpb::ENTRY_NORMAL), static_cast<int>(raft::EntryType::kNormal));
  EXPECT_EQ(static_cast<int>(raftpb::ENTRY_CONF_CHANGE),
            static_cast<int>(raft::EntryType::kConfChange));
}

TEST(RaftProto, BatchRoundTrips) {
  raftpb::MessageBatch batch;
  raftpb::Message* m = batch.add_messages();
  m->set_type(raftpb::MSG_SNAPSHOT);
  m->set_range(3);
  m->set_from(1);
  m->set_to(2);
  m->set_term(7);
  m->set_context("ctx");
  raftpb::Entry* e = m->add_entries();
  e->set_term(7);
  e->set_index(100);
  e->set_type(raftpb::ENTRY_CONF_CHANGE);
  e->set_data(std::string("\0cc", 3));
  raftpb::SnapshotMetadata* md = m->mutable_snapshot()->mutable_metadata();
  md->set_index(99);
  md->set_term(6);
  md->mutable_conf_state()->add_voters(1);
  md->mutable_conf_state()->add_voters(2);
  md->mutable_conf_state()->add_voters_outgoing(3);
  md->mutable_conf_state()->set_auto_leave(true);
  batch.add_messages()->set_type(raftpb::MSG_HEARTBEAT);

  raftpb::MessageBatch back;
  ASSERT_TRUE(back.ParseFromString(batch.SerializeAsString()));
  ASSERT_EQ(back.messages_size(), 2);
  const raftpb::Message& b = back.messages(0);
  EXPECT_EQ(b.range(), 3u);
  EXPECT_EQ(b.entries(0).data(), std::string("\0cc", 3));
  ASSERT_TRUE(b.has_snapshot());
  EXPECT_EQ(b.snapshot().metadata().conf_state().voters_size(), 2);
  EXPECT_TRUE(b.snapshot().metadata().conf_state().auto_leave());
  EXPECT_FALSE(back.messages(1).has_snapshot());
}

TEST(RequestProto, InternalRequestCarriesOneEtcdRequest) {
  requestpb::InternalRequest req;
  req.set_id(12);
  req.mutable_header()->set_username("root");
  req.mutable_put()->set_key("k");
  req.mutable_put()->set_value("v");
  requestpb::InternalRequest back;
  ASSERT_TRUE(back.ParseFromString(req.SerializeAsString()));
  EXPECT_EQ(back.id(), 12u);
  EXPECT_EQ(back.request_case(), requestpb::InternalRequest::kPut);
  EXPECT_EQ(back.put().value(), "v");
  back.mutable_lease_grant()->set_ttl(5);  // Setting another member clears put.
  EXPECT_FALSE(back.has_put());
}

}  // namespace
}  // namespace strata

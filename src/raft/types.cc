#include "raft/types.h"

#include <cstring>

#include "base/coding.h"

namespace strata::raft {
namespace {

bool GetByte(std::string_view* in, uint8_t* v) {
  if (in->empty()) return false;
  *v = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  return true;
}

constexpr uint8_t kConfChangeVersion = 1;
constexpr uint64_t kMaxChanges = 1024;

}  // namespace

std::string ToString(NodeId id) { return std::to_string(id.value()); }

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kFollower:
      return "follower";
    case Role::kPreCandidate:
      return "pre-candidate";
    case Role::kCandidate:
      return "candidate";
    case Role::kLeader:
      return "leader";
  }
  return "unknown";
}

std::string_view MessageTypeName(MessageType type) {
  switch (type) {
    case MessageType::kAppend:
      return "Append";
    case MessageType::kAppendResponse:
      return "AppendResp";
    case MessageType::kVote:
      return "Vote";
    case MessageType::kVoteResponse:
      return "VoteResp";
    case MessageType::kPreVote:
      return "PreVote";
    case MessageType::kPreVoteResponse:
      return "PreVoteResp";
    case MessageType::kSnapshot:
      return "Snapshot";
    case MessageType::kHeartbeat:
      return "Heartbeat";
    case MessageType::kHeartbeatResponse:
      return "HeartbeatResp";
    case MessageType::kTimeoutNow:
      return "TimeoutNow";
    case MessageType::kReadIndex:
      return "ReadIndex";
    case MessageType::kReadIndexResponse:
      return "ReadIndexResp";
  }
  return "Unknown";
}

// Layout: version u8, transition u8, count u64, count x (type u8, node u64),
// context length u64, context bytes. Integers little-endian.
std::string ConfChange::Encode() const {
  std::string out;
  out.push_back(static_cast<char>(kConfChangeVersion));
  out.push_back(static_cast<char>(transition));
  PutFixed64(&out, changes.size());
  for (const auto& c : changes) {
    out.push_back(static_cast<char>(c.type));
    PutFixed64(&out, c.node.value());
  }
  PutFixed64(&out, context.size());
  out.append(context);
  return out;
}

bool ConfChange::Decode(std::string_view in, ConfChange* out) {
  uint8_t version = 0, transition = 0;
  uint64_t count = 0;
  if (!GetByte(&in, &version) || version != kConfChangeVersion) return false;
  if (!GetByte(&in, &transition) ||
      transition > static_cast<uint8_t>(ConfChangeTransition::kExplicit)) {
    return false;
  }
  if (!GetFixed64(&in, &count) || count > kMaxChanges) return false;
  ConfChange cc;
  cc.transition = static_cast<ConfChangeTransition>(transition);
  for (uint64_t i = 0; i < count; ++i) {
    uint8_t type = 0;
    uint64_t node = 0;
    if (!GetByte(&in, &type) || type > static_cast<uint8_t>(ConfChangeType::kRemoveNode)) {
      return false;
    }
    if (!GetFixed64(&in, &node) || node == 0) return false;
    cc.changes.push_back({static_cast<ConfChangeType>(type), NodeId(node)});
  }
  uint64_t context_len = 0;
  if (!GetFixed64(&in, &context_len) || context_len != in.size()) return false;
  cc.context.assign(in);
  *out = std::move(cc);
  return true;
}

uint64_t Message::size_bytes() const {
  uint64_t n = 64 + context.size();
  for (const auto& e : entries) n += e.size_bytes();
  if (snapshot) n += snapshot->data.size();
  return n;
}

bool Message::operator==(const Message& o) const {
  bool snapshots_equal = (snapshot == nullptr && o.snapshot == nullptr) ||
                         (snapshot != nullptr && o.snapshot != nullptr && *snapshot == *o.snapshot);
  return type == o.type && range == o.range && from == o.from && to == o.to && term == o.term &&
         log_term == o.log_term && index == o.index && entries == o.entries && commit == o.commit &&
         reject == o.reject && reject_hint == o.reject_hint && context == o.context &&
         snapshots_equal;
}

}  // namespace strata::raft

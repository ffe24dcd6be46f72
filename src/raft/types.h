// Value types of the Raft core: strong ids, log entries, hard state,
// membership, snapshots and messages. Plain data with no behaviour beyond
// comparison and size accounting; the wire codec lives in the node layer.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace strata::raft {

// A monotonically counted quantity (term, log index). Arithmetic is explicit
// so that a term can never be added to an index by accident.
template <typename Tag>
class Counter {
 public:
  constexpr Counter() = default;
  constexpr explicit Counter(uint64_t v) : v_(v) {}
  constexpr uint64_t value() const { return v_; }
  constexpr auto operator<=>(const Counter&) const = default;
  constexpr Counter operator+(uint64_t n) const { return Counter(v_ + n); }
  constexpr Counter operator-(uint64_t n) const { return Counter(v_ - n); }
  // Distance between two counters. REQUIRES: *this >= other.
  constexpr uint64_t operator-(Counter other) const { return v_ - other.v_; }
  Counter& operator++() {
    ++v_;
    return *this;
  }

 private:
  uint64_t v_ = 0;
};

// An identifier with no arithmetic. Zero means "none".
template <typename Tag>
class Id {
 public:
  constexpr Id() = default;
  constexpr explicit Id(uint64_t v) : v_(v) {}
  constexpr uint64_t value() const { return v_; }
  constexpr bool none() const { return v_ == 0; }
  constexpr auto operator<=>(const Id&) const = default;

 private:
  uint64_t v_ = 0;
};

using Term = Counter<struct TermTag>;
using Index = Counter<struct IndexTag>;
using NodeId = Id<struct NodeIdTag>;
using RangeId = Id<struct RangeIdTag>;

inline constexpr NodeId kNoNode{};

std::string ToString(NodeId id);

enum class EntryType : uint8_t {
  kNormal = 0,      // Application data (may be empty: the leader's no-op).
  kConfChange = 1,  // A serialized ConfChange in `data`.
};

struct Entry {
  Term term;
  Index index;
  EntryType type = EntryType::kNormal;
  std::string data;

  // Bytes counted against batching limits.
  uint64_t size_bytes() const { return data.size() + 24; }
  bool operator==(const Entry&) const = default;
};

// State that must be on stable storage before any message that depends on it
// is sent: the current term, the vote in it, and the known commit index.
struct HardState {
  Term term;
  NodeId vote;
  Index commit;
  bool operator==(const HardState&) const = default;
  bool empty() const { return *this == HardState{}; }
};

enum class Role : uint8_t { kFollower, kPreCandidate, kCandidate, kLeader };
std::string_view RoleName(Role role);

// Volatile state reported to the application when it changes.
struct SoftState {
  NodeId leader;
  Role role = Role::kFollower;
  bool operator==(const SoftState&) const = default;
};

// Membership. In a joint configuration `voters_outgoing` is non-empty and a
// decision needs a majority of both `voters` and `voters_outgoing`.
// `learners_next` holds voters of the outgoing config that become learners
// when the joint config is left.
struct ConfState {
  std::vector<NodeId> voters;
  std::vector<NodeId> learners;
  std::vector<NodeId> voters_outgoing;
  std::vector<NodeId> learners_next;
  bool auto_leave = false;
  bool operator==(const ConfState&) const = default;
  bool joint() const { return !voters_outgoing.empty(); }
};

enum class ConfChangeType : uint8_t { kAddNode, kAddLearner, kRemoveNode };

struct ConfChangeSingle {
  ConfChangeType type = ConfChangeType::kAddNode;
  NodeId node;
  bool operator==(const ConfChangeSingle&) const = default;
};

// How a multi-node change moves through joint consensus.
enum class ConfChangeTransition : uint8_t {
  kAuto,      // Simple change if possible, else joint with automatic leave.
  kImplicit,  // Joint, left automatically once the joint config is applied.
  kExplicit,  // Joint, left only when the application proposes an empty change.
};

// A membership change. An empty `changes` list while in a joint config means
// "leave the joint config".
struct ConfChange {
  ConfChangeTransition transition = ConfChangeTransition::kAuto;
  std::vector<ConfChangeSingle> changes;
  std::string context;  // Opaque to raft (e.g. the new member's URLs).
  bool operator==(const ConfChange&) const = default;
  bool leave_joint() const { return changes.empty(); }
  // Serialization for kConfChange entries. Decode returns false on malformed input.
  std::string Encode() const;
  static bool Decode(std::string_view data, ConfChange* out);
};

struct SnapshotMetadata {
  Index index;
  Term term;
  ConfState conf_state;
  bool operator==(const SnapshotMetadata&) const = default;
};

struct Snapshot {
  SnapshotMetadata metadata;
  std::string data;  // Opaque state-machine image (or a handle to one).
  bool empty() const { return metadata.index == Index(0); }
  bool operator==(const Snapshot&) const = default;
};

enum class MessageType : uint8_t {
  kAppend,             // MsgApp: entries after (log_term, index); commit.
  kAppendResponse,     // reject, reject_hint (+ log_term as hint term), index.
  kVote,               // index/log_term: candidate's last entry. context: "transfer" if forced.
  kVoteResponse,       // reject.
  kPreVote,            // Like kVote, for term+1, without changing state.
  kPreVoteResponse,    // reject.
  kSnapshot,           // snapshot.
  kHeartbeat,          // commit; context carries a ReadIndex round id.
  kHeartbeatResponse,  // context echoed.
  kTimeoutNow,         // Leader transfer: campaign now, ignoring leases.
  kReadIndex,          // Follower asks the leader for a read index; context is the request id.
  kReadIndexResponse,  // index: the read index; context echoed; reject if the leader refused.
};
std::string_view MessageTypeName(MessageType type);

struct Message {
  MessageType type = MessageType::kAppend;
  RangeId range;
  NodeId from;
  NodeId to;
  Term term;
  Term log_term;
  Index index;
  std::vector<Entry> entries;
  Index commit;
  bool reject = false;
  Index reject_hint;
  std::string context;
  std::shared_ptr<const Snapshot> snapshot;  // Set for kSnapshot only.

  uint64_t size_bytes() const;
  bool operator==(const Message& o) const;
};

// The result of a ReadIndex request: once the state machine has applied
// `index`, a read tagged `request_ctx` may be served linearizably.
struct ReadState {
  Index index;
  std::string request_ctx;
  bool operator==(const ReadState&) const = default;
};

}  // namespace strata::raft

template <typename Tag>
struct std::hash<strata::raft::Id<Tag>> {
  size_t operator()(strata::raft::Id<Tag> id) const noexcept {
    return std::hash<uint64_t>()(id.value());
  }
};

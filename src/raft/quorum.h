// Quorum arithmetic for majority and joint (two-majority) configurations.
#pragma once

#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "raft/types.h"

namespace strata::raft {

enum class VoteResult : uint8_t { kPending, kLost, kWon };

// Looks up the acknowledged log index of a voter; nullopt if unknown.
using AckedIndexFn = std::function<std::optional<Index>(NodeId)>;

class MajorityConfig {
 public:
  MajorityConfig() = default;
  explicit MajorityConfig(std::set<NodeId> ids) : ids_(std::move(ids)) {}

  const std::set<NodeId>& ids() const { return ids_; }
  std::set<NodeId>& mutable_ids() { return ids_; }
  bool contains(NodeId id) const { return ids_.contains(id); }
  bool empty() const { return ids_.empty(); }

  // The largest index acknowledged by a majority. An empty config returns the
  // maximum index so that it never holds back a joint config.
  Index committed_index(const AckedIndexFn& acked) const;
  // Outcome of an election given the votes cast so far (true = granted). An
  // empty config wins.
  VoteResult vote_result(const std::map<NodeId, bool>& votes) const;

 private:
  std::set<NodeId> ids_;
};

// Decisions need a majority of `incoming` and, while joint, of `outgoing` too.
struct JointConfig {
  MajorityConfig incoming;
  MajorityConfig outgoing;

  bool joint() const { return !outgoing.empty(); }
  bool contains(NodeId id) const { return incoming.contains(id) || outgoing.contains(id); }
  // Union of both halves, in id order.
  std::set<NodeId> ids() const;
  Index committed_index(const AckedIndexFn& acked) const;
  VoteResult vote_result(const std::map<NodeId, bool>& votes) const;
};

}  // namespace strata::raft

#include "raft/quorum.h"

#include <algorithm>
#include <vector>

namespace strata::raft {

Index MajorityConfig::committed_index(const AckedIndexFn& acked) const {
  if (ids_.empty()) return Index(std::numeric_limits<uint64_t>::max());
  std::vector<Index> indexes;
  indexes.reserve(ids_.size());
  for (NodeId id : ids_) indexes.push_back(acked(id).value_or(Index(0)));
  // Sorted descending, the element at position n/2 is held by a majority.
  std::sort(indexes.begin(), indexes.end(), std::greater<>());
  return indexes[ids_.size() / 2];
}

VoteResult MajorityConfig::vote_result(const std::map<NodeId, bool>& votes) const {
  if (ids_.empty()) return VoteResult::kWon;
  size_t granted = 0, missing = 0;
  for (NodeId id : ids_) {
    auto it = votes.find(id);
    if (it == votes.end()) {
      ++missing;
    } else if (it->second) {
      ++granted;
    }
  }
  size_t quorum = ids_.size() / 2 + 1;
  if (granted >= quorum) return VoteResult::kWon;
  if (granted + missing >= quorum) return VoteResult::kPending;
  return VoteResult::kLost;
}

std::set<NodeId> JointConfig::ids() const {
  std::set<NodeId> out = incoming.ids();
  out.insert(outgoing.ids().begin(), outgoing.ids().end());
  return out;
}

Index JointConfig::committed_index(const AckedIndexFn& acked) const {
  return std::min(incoming.committed_index(acked), outgoing.committed_index(acked));
}

VoteResult JointConfig::vote_result(const std::map<NodeId, bool>& votes) const {
  VoteResult in = incoming.vote_result(votes);
  VoteResult out = outgoing.vote_result(votes);
  if (in == out) return in;
  if (in == VoteResult::kLost || out == VoteResult::kLost) return VoteResult::kLost;
  return VoteResult::kPending;
}

}  // namespace strata::raft

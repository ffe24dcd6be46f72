// The leader's (and candidate's) bookkeeping: the active membership, the
// progress of every member, and the votes of the current election.
#pragma once

#include <map>
#include <set>

#include "base/status.h"
#include "raft/progress.h"
#include "raft/quorum.h"
#include "raft/types.h"

namespace strata::raft {

struct TrackerConfig {
  JointConfig voters;
  // Non-voting members. Never overlaps voters.
  std::set<NodeId> learners;
  // Outgoing voters that become learners when the joint config is left.
  std::set<NodeId> learners_next;
  // Leave the joint config automatically once it is applied.
  bool auto_leave = false;

  ConfState to_conf_state() const;
  bool operator==(const TrackerConfig&) const = default;
};

using ProgressMap = std::map<NodeId, Progress>;

// Checks that config and progress agree (every member has progress, learner
// flags match, learners are not voters, non-joint configs have no joint
// leftovers). Returns kInvalidArgument naming the first problem.
Status CheckConfigInvariants(const TrackerConfig& cfg, const ProgressMap& progress);

class ProgressTracker {
 public:
  explicit ProgressTracker(int max_inflight) : max_inflight_(max_inflight) {}

  TrackerConfig config;
  ProgressMap progress;

  int max_inflight() const { return max_inflight_; }
  Progress* find(NodeId id);
  const Progress* find(NodeId id) const;
  // True when this config has exactly one voter and it is `id`.
  bool is_singleton_voter(NodeId id) const;
  // Largest index replicated on a quorum of voters.
  Index committed() const;
  // True when a quorum of voters was recently active.
  bool quorum_active() const;

  void reset_votes() { votes_.clear(); }
  // Records the first vote of each voter; later ones are ignored.
  void record_vote(NodeId id, bool granted);
  VoteResult tally_votes() const;

 private:
  int max_inflight_;
  std::map<NodeId, bool> votes_;
};

}  // namespace strata::raft

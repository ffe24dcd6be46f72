#include "raft/tracker.h"

#include <string>
#include <vector>

namespace strata::raft {
namespace {

std::vector<NodeId> ToVector(const std::set<NodeId>& s) { return {s.begin(), s.end()}; }

std::string Name(NodeId id) { return "node " + ToString(id); }

}  // namespace

ConfState TrackerConfig::to_conf_state() const {
  return ConfState{ToVector(voters.incoming.ids()), ToVector(learners),
                   ToVector(voters.outgoing.ids()), ToVector(learners_next), auto_leave};
}

Status CheckConfigInvariants(const TrackerConfig& cfg, const ProgressMap& progress) {
  for (NodeId id : cfg.voters.ids()) {
    if (!progress.contains(id)) return Status::InvalidArgument(Name(id) + " has no progress");
  }
  for (NodeId id : cfg.learners) {
    auto it = progress.find(id);
    if (it == progress.end()) return Status::InvalidArgument(Name(id) + " has no progress");
    if (!it->second.is_learner) return Status::InvalidArgument(Name(id) + " not marked learner");
    if (cfg.voters.contains(id)) {
      return Status::InvalidArgument(Name(id) + " is both a voter and a learner");
    }
  }
  for (NodeId id : cfg.learners_next) {
    auto it = progress.find(id);
    if (it == progress.end()) return Status::InvalidArgument(Name(id) + " has no progress");
    if (it->second.is_learner) return Status::InvalidArgument(Name(id) + " is a learner already");
    if (!cfg.voters.outgoing.contains(id)) {
      return Status::InvalidArgument(Name(id) + " in learners_next is not an outgoing voter");
    }
  }
  for (const auto& [id, pr] : progress) {
    if (!cfg.voters.contains(id) && !cfg.learners.contains(id)) {
      return Status::InvalidArgument(Name(id) + " has progress but is not a member");
    }
  }
  if (!cfg.voters.joint()) {
    if (!cfg.learners_next.empty()) return Status::InvalidArgument("learners_next outside joint");
    if (cfg.auto_leave) return Status::InvalidArgument("auto_leave outside joint");
  }
  return Status::Ok();
}

Progress* ProgressTracker::find(NodeId id) {
  auto it = progress.find(id);
  return it == progress.end() ? nullptr : &it->second;
}

const Progress* ProgressTracker::find(NodeId id) const {
  auto it = progress.find(id);
  return it == progress.end() ? nullptr : &it->second;
}

bool ProgressTracker::is_singleton_voter(NodeId id) const {
  return !config.voters.joint() && config.voters.incoming.ids().size() == 1 &&
         config.voters.incoming.contains(id);
}

Index ProgressTracker::committed() const {
  return config.voters.committed_index([this](NodeId id) -> std::optional<Index> {
    const Progress* pr = find(id);
    if (pr == nullptr) return std::nullopt;
    return pr->match;
  });
}

bool ProgressTracker::quorum_active() const {
  std::map<NodeId, bool> active;
  for (const auto& [id, pr] : progress) {
    if (!pr.is_learner) active[id] = pr.recent_active;
  }
  return config.voters.vote_result(active) == VoteResult::kWon;
}

void ProgressTracker::record_vote(NodeId id, bool granted) { votes_.try_emplace(id, granted); }

VoteResult ProgressTracker::tally_votes() const { return config.voters.vote_result(votes_); }

}  // namespace strata::raft

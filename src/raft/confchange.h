// Membership changes (raft thesis 4.3 joint consensus, etcd's ConfChangeV2):
// computes the configuration and progress map that result from a change,
// without touching the live tracker, so an invalid change changes nothing.
#pragma once

#include "base/status.h"
#include "raft/tracker.h"
#include "raft/types.h"

namespace strata::raft {

struct ConfigAndProgress {
  TrackerConfig config;
  ProgressMap progress;
};

class ConfChanger {
 public:
  // `last_index` seeds the `next` of newly added members.
  ConfChanger(const ProgressTracker& tracker, Index last_index)
      : tracker_(tracker), last_index_(last_index) {}

  // Applies `cc` as raft would on commit: leave joint, enter joint, or a
  // simple change of at most one voter. Returns kInvalidArgument for a change
  // that is not allowed from the current configuration.
  Result<ConfigAndProgress> apply(const ConfChange& cc) const;

  // Enters a joint config whose incoming half results from `changes`.
  Result<ConfigAndProgress> enter_joint(bool auto_leave,
                                        const std::vector<ConfChangeSingle>& changes) const;
  // Makes the incoming half the whole config.
  Result<ConfigAndProgress> leave_joint() const;
  // Applies changes that alter at most one voter, outside joint consensus.
  Result<ConfigAndProgress> simple(const std::vector<ConfChangeSingle>& changes) const;

  // Builds the config and progress for a persisted membership.
  static Result<ConfigAndProgress> Restore(const ConfState& cs, Index last_index, int max_inflight);

 private:
  ConfigAndProgress snapshot_current() const;
  Status apply_changes(ConfigAndProgress* cp, const std::vector<ConfChangeSingle>& changes) const;
  void make_voter(ConfigAndProgress* cp, NodeId id) const;
  void make_learner(ConfigAndProgress* cp, NodeId id) const;
  void remove(ConfigAndProgress* cp, NodeId id) const;
  void init_progress(ConfigAndProgress* cp, NodeId id, bool learner) const;

  const ProgressTracker& tracker_;
  Index last_index_;
};

}  // namespace strata::raft

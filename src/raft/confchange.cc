#include "raft/confchange.h"

#include <algorithm>

namespace strata::raft {

ConfigAndProgress ConfChanger::snapshot_current() const {
  return ConfigAndProgress{tracker_.config, tracker_.progress};
}

Result<ConfigAndProgress> ConfChanger::apply(const ConfChange& cc) const {
  if (cc.leave_joint()) return leave_joint();
  switch (cc.transition) {
    case ConfChangeTransition::kAuto:
      if (cc.changes.size() > 1) return enter_joint(/*auto_leave=*/true, cc.changes);
      return simple(cc.changes);
    case ConfChangeTransition::kImplicit:
      return enter_joint(/*auto_leave=*/true, cc.changes);
    case ConfChangeTransition::kExplicit:
      return enter_joint(/*auto_leave=*/false, cc.changes);
  }
  return Status::InvalidArgument("unknown conf change transition");
}

Result<ConfigAndProgress> ConfChanger::enter_joint(
    bool auto_leave, const std::vector<ConfChangeSingle>& changes) const {
  ConfigAndProgress cp = snapshot_current();
  if (cp.config.voters.joint()) return Status::InvalidArgument("config is already joint");
  if (cp.config.voters.incoming.empty()) {
    return Status::InvalidArgument("can't make a zero-voter config joint");
  }
  cp.config.voters.outgoing = cp.config.voters.incoming;
  STRATA_RETURN_IF_ERROR(apply_changes(&cp, changes));
  cp.config.auto_leave = auto_leave;
  STRATA_RETURN_IF_ERROR(CheckConfigInvariants(cp.config, cp.progress));
  return cp;
}

Result<ConfigAndProgress> ConfChanger::leave_joint() const {
  ConfigAndProgress cp = snapshot_current();
  if (!cp.config.voters.joint()) {
    return Status::InvalidArgument("can't leave a non-joint config");
  }
  for (NodeId id : cp.config.learners_next) {
    cp.config.learners.insert(id);
    cp.progress.at(id).is_learner = true;
  }
  cp.config.learners_next.clear();
  for (NodeId id : cp.config.voters.outgoing.ids()) {
    if (!cp.config.voters.incoming.contains(id) && !cp.config.learners.contains(id)) {
      cp.progress.erase(id);
    }
  }
  cp.config.voters.outgoing = MajorityConfig();
  cp.config.auto_leave = false;
  STRATA_RETURN_IF_ERROR(CheckConfigInvariants(cp.config, cp.progress));
  return cp;
}

Result<ConfigAndProgress> ConfChanger::simple(const std::vector<ConfChangeSingle>& changes) const {
  ConfigAndProgress cp = snapshot_current();
  if (cp.config.voters.joint()) {
    return Status::InvalidArgument("can't apply a simple config change in a joint config");
  }
  STRATA_RETURN_IF_ERROR(apply_changes(&cp, changes));
  const auto& before = tracker_.config.voters.incoming.ids();
  const auto& after = cp.config.voters.incoming.ids();
  size_t changed = 0;
  for (NodeId id : before) changed += after.contains(id) ? 0 : 1;
  for (NodeId id : after) changed += before.contains(id) ? 0 : 1;
  if (changed > 1) {
    return Status::InvalidArgument("more than one voter changed without entering joint config");
  }
  STRATA_RETURN_IF_ERROR(CheckConfigInvariants(cp.config, cp.progress));
  return cp;
}

Status ConfChanger::apply_changes(ConfigAndProgress* cp,
                                  const std::vector<ConfChangeSingle>& changes) const {
  for (const auto& c : changes) {
    if (c.node.none()) continue;
    switch (c.type) {
      case ConfChangeType::kAddNode:
        make_voter(cp, c.node);
        break;
      case ConfChangeType::kAddLearner:
        make_learner(cp, c.node);
        break;
      case ConfChangeType::kRemoveNode:
        remove(cp, c.node);
        break;
    }
  }
  if (cp->config.voters.incoming.empty()) return Status::InvalidArgument("removed all voters");
  return Status::Ok();
}

void ConfChanger::make_voter(ConfigAndProgress* cp, NodeId id) const {
  auto it = cp->progress.find(id);
  if (it == cp->progress.end()) {
    init_progress(cp, id, /*learner=*/false);
    return;
  }
  it->second.is_learner = false;
  cp->config.learners.erase(id);
  cp->config.learners_next.erase(id);
  cp->config.voters.incoming.mutable_ids().insert(id);
}

void ConfChanger::make_learner(ConfigAndProgress* cp, NodeId id) const {
  auto it = cp->progress.find(id);
  if (it == cp->progress.end()) {
    init_progress(cp, id, /*learner=*/true);
    return;
  }
  if (it->second.is_learner) return;
  Progress kept = it->second;
  remove(cp, id);
  // A voter of the outgoing config stays a voter until the joint config is
  // left; it becomes a learner then.
  if (cp->config.voters.outgoing.contains(id)) {
    cp->config.learners_next.insert(id);
  } else {
    kept.is_learner = true;
    cp->config.learners.insert(id);
  }
  cp->progress.insert_or_assign(id, kept);
}

void ConfChanger::remove(ConfigAndProgress* cp, NodeId id) const {
  if (!cp->progress.contains(id)) return;
  cp->config.voters.incoming.mutable_ids().erase(id);
  cp->config.learners.erase(id);
  cp->config.learners_next.erase(id);
  // The outgoing config still counts this node until the joint config is left.
  if (!cp->config.voters.outgoing.contains(id)) cp->progress.erase(id);
}

void ConfChanger::init_progress(ConfigAndProgress* cp, NodeId id, bool learner) const {
  if (learner) {
    cp->config.learners.insert(id);
  } else {
    cp->config.voters.incoming.mutable_ids().insert(id);
  }
  Progress pr(Index(0), std::max(last_index_, Index(1)), tracker_.max_inflight(), learner);
  // A new member counts as active so check-quorum does not depose the leader
  // before the member had a chance to answer.
  pr.recent_active = true;
  cp->progress.insert_or_assign(id, pr);
}

Result<ConfigAndProgress> ConfChanger::Restore(const ConfState& cs, Index last_index,
                                               int max_inflight) {
  ConfigAndProgress cp;
  auto add = [&](NodeId id, bool learner) {
    Progress pr(Index(0), last_index + 1, max_inflight, learner);
    pr.recent_active = true;
    cp.progress.insert_or_assign(id, pr);
  };
  for (NodeId id : cs.voters) {
    cp.config.voters.incoming.mutable_ids().insert(id);
    add(id, false);
  }
  for (NodeId id : cs.voters_outgoing) {
    cp.config.voters.outgoing.mutable_ids().insert(id);
    if (!cp.progress.contains(id)) add(id, false);
  }
  for (NodeId id : cs.learners) {
    cp.config.learners.insert(id);
    add(id, true);
  }
  cp.config.learners_next.insert(cs.learners_next.begin(), cs.learners_next.end());
  cp.config.auto_leave = cs.auto_leave;
  for (NodeId id : cs.voters) {
    if (id.none()) return Status::InvalidArgument("conf state has a zero node id");
  }
  STRATA_RETURN_IF_ERROR(CheckConfigInvariants(cp.config, cp.progress));
  return cp;
}

}  // namespace strata::raft

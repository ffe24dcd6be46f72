// Membership changes (thesis 4.3, joint consensus) and leader transfer (3.10).
#include <string>

#include "raft/confchange.h"
#include "raft/raft_impl.h"

namespace strata::raft {

Status Raft::Impl::propose_conf_change(const ConfChange& cc) {
  if (role_ != Role::kLeader) {
    return Status::NotLeader(lead_.none() ? "no leader" : "leader is node " + ToString(lead_));
  }
  if (pending_conf_index_ > log_.applied()) {
    return Status::Unavailable("a configuration change is already pending (index " +
                               std::to_string(pending_conf_index_.value()) + ", applied " +
                               std::to_string(log_.applied().value()) + ")");
  }
  bool joint = trk_.config.voters.joint();
  if (joint && !cc.leave_joint()) {
    return Status::FailedPrecondition("must leave the joint configuration first");
  }
  if (!joint && cc.leave_joint()) {
    return Status::FailedPrecondition("not in a joint configuration; nothing to leave");
  }
  // Reject now what would be rejected when applied.
  auto dry_run = ConfChanger(trk_, log_.last_index()).apply(cc);
  if (!dry_run.ok()) return Status::FailedPrecondition(dry_run.status().message());
  if (!lead_transferee_.none()) {
    return Status::ProposalDropped("leadership transfer in progress");
  }
  std::vector<Entry> entries(1);
  entries[0].type = EntryType::kConfChange;
  entries[0].data = cc.Encode();
  if (!append_entries(std::move(entries))) {
    return Status::ProposalDropped("too many uncommitted bytes");
  }
  pending_conf_index_ = log_.last_index();
  return Status::Ok();
}

Result<ConfState> Raft::Impl::apply_conf_change(const ConfChange& cc) {
  auto cp = ConfChanger(trk_, log_.last_index()).apply(cc);
  if (!cp.ok()) return cp.status();
  return switch_to_config(std::move(*cp));
}

ConfState Raft::Impl::switch_to_config(ConfigAndProgress cp) {
  trk_.config = std::move(cp.config);
  trk_.progress = std::move(cp.progress);
  ConfState cs = trk_.config.to_conf_state();
  const Progress* self = trk_.find(id_);
  is_learner_ = self != nullptr && self->is_learner;

  if (role_ != Role::kLeader) return cs;
  if (self == nullptr || is_learner_) {
    step_down_after_removal();
    return cs;
  }
  if (!lead_transferee_.none() && !trk_.config.voters.contains(lead_transferee_)) {
    abort_leader_transfer();
  }
  // The new config may commit more, or need appends to new members.
  if (maybe_commit()) {
    release_pending_read_index();
    bcast_append();
  } else {
    for (const auto& [id, pr] : trk_.progress) {
      if (id != id_) maybe_send_append(id, false);
    }
  }
  return cs;
}

// A leader that applied its own removal steps down (thesis 4.2.2). It hands
// leadership to the most up-to-date voter at once so the group does not wait
// an election timeout.
void Raft::Impl::step_down_after_removal() {
  NodeId best;
  Index best_match;
  for (NodeId id : trk_.config.voters.ids()) {
    const Progress* pr = trk_.find(id);
    if (pr != nullptr && (best.none() || pr->match > best_match)) {
      best = id;
      best_match = pr->match;
    }
  }
  Index last = log_.last_index();
  become_follower(term_, kNoNode);
  if (!best.none() && best_match == last) send_timeout_now(best);
}

void Raft::Impl::maybe_auto_leave_joint() {
  if (role_ != Role::kLeader || !trk_.config.auto_leave) return;
  if (log_.applied() < pending_conf_index_) return;
  // The joint config is applied; propose leaving it.
  std::vector<Entry> entries(1);
  entries[0].type = EntryType::kConfChange;
  entries[0].data = ConfChange{}.Encode();
  if (append_entries(std::move(entries))) pending_conf_index_ = log_.last_index();
}

void Raft::Impl::send_timeout_now(NodeId to) {
  Message m;
  m.type = MessageType::kTimeoutNow;
  m.to = to;
  send(std::move(m));
}

Status Raft::Impl::transfer_leader(NodeId transferee) {
  if (role_ != Role::kLeader) {
    return Status::NotLeader(lead_.none() ? "no leader" : "leader is node " + ToString(lead_));
  }
  const Progress* pr = trk_.find(transferee);
  if (pr == nullptr) {
    return Status::InvalidArgument("node " + ToString(transferee) + " is not a member");
  }
  if (pr->is_learner) {
    return Status::InvalidArgument("node " + ToString(transferee) + " is a learner");
  }
  if (transferee == id_) return Status::Ok();               // Already leader.
  if (lead_transferee_ == transferee) return Status::Ok();  // Already in progress.
  abort_leader_transfer();
  // The transfer must finish within an election timeout (see tick_heartbeat).
  election_elapsed_ = 0;
  lead_transferee_ = transferee;
  if (pr->match == log_.last_index()) {
    send_timeout_now(transferee);
  } else {
    send_append(transferee);  // Catch it up first; TimeoutNow follows.
  }
  return Status::Ok();
}

}  // namespace strata::raft

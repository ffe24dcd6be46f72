// Log replication (raft paper 5.3), commitment (5.4.2) and snapshots (7).
#include <algorithm>
#include <string>

#include "raft/confchange.h"
#include "raft/raft_impl.h"

namespace strata::raft {

void Raft::Impl::send(Message m) {
  m.from = id_;
  m.range = cfg_.range;
  // Vote traffic carries its own term (pre-votes use a future one); every
  // other message carries ours.
  bool own_term = m.type == MessageType::kVote || m.type == MessageType::kPreVote ||
                  m.type == MessageType::kVoteResponse || m.type == MessageType::kPreVoteResponse;
  if (own_term) {
    STRATA_ASSERT_MSG(m.term > Term(0), "vote message without a term");
  } else {
    m.term = term_;
  }
  msgs_.push_back(std::move(m));
}

bool Raft::Impl::maybe_send_append(NodeId to, bool send_if_empty) {
  Progress* pr = trk_.find(to);
  if (pr == nullptr || pr->is_paused()) return false;
  Index prev_index = pr->next - 1;
  auto prev_term = log_.term(prev_index);
  auto ents = log_.entries_from(pr->next, cfg_.max_append_bytes);
  if (!prev_term.ok() || !ents.ok()) return send_snapshot(to, pr);
  if (ents->empty() && !send_if_empty) return false;
  Message m;
  m.type = MessageType::kAppend;
  m.to = to;
  m.index = prev_index;
  m.log_term = *prev_term;
  m.commit = log_.committed();
  uint64_t count = ents->size();
  Index last = count > 0 ? ents->back().index : prev_index;
  m.entries = std::move(*ents);
  pr->sent_entries(count, last);
  send(std::move(m));
  return true;
}

bool Raft::Impl::send_snapshot(NodeId to, Progress* pr) {
  // An unresponsive peer gets no snapshot: it would be wasted bandwidth.
  if (!pr->recent_active) return false;
  auto snap = log_.snapshot();
  if (!snap.ok()) {
    STRATA_ASSERT_MSG(snap.status().Is(StatusCode::kUnavailable),
                      "snapshot failed: " + snap.status().ToString());
    return false;  // Being prepared; the next heartbeat response retries.
  }
  STRATA_ASSERT_MSG(!snap->empty(), "need a snapshot but the storage has none");
  pr->become_snapshot(snap->metadata.index);
  Message m;
  m.type = MessageType::kSnapshot;
  m.to = to;
  m.snapshot = std::make_shared<const Snapshot>(std::move(*snap));
  send(std::move(m));
  return true;
}

void Raft::Impl::bcast_append() {
  for (const auto& [id, pr] : trk_.progress) {
    if (id != id_) send_append(id);
  }
}

void Raft::Impl::send_heartbeat(NodeId to, const std::string& ctx) {
  const Progress* pr = trk_.find(to);
  // Never tell a follower to commit past what it is known to hold.
  Message m;
  m.type = MessageType::kHeartbeat;
  m.to = to;
  m.commit = std::min(pr->match, log_.committed());
  m.context = ctx;
  send(std::move(m));
}

void Raft::Impl::bcast_heartbeat(const std::string& ctx) {
  for (const auto& [id, pr] : trk_.progress) {
    if (id != id_) send_heartbeat(id, ctx);
  }
}

bool Raft::Impl::append_entries(std::vector<Entry> entries) {
  uint64_t bytes = 0;
  for (const Entry& e : entries) bytes += e.data.size();
  if (cfg_.max_uncommitted_bytes > 0 && uncommitted_bytes_ > 0 &&
      uncommitted_bytes_ + bytes > cfg_.max_uncommitted_bytes) {
    return false;
  }
  uncommitted_bytes_ += bytes;
  Index last = log_.last_index();
  for (size_t i = 0; i < entries.size(); ++i) {
    entries[i].term = term_;
    entries[i].index = last + (i + 1);
  }
  log_.append(entries);
  // The leader's own progress advances when the entries are persisted.
  bcast_append();
  return true;
}

bool Raft::Impl::maybe_commit() {
  Index quorum_index = trk_.committed();
  if (quorum_index <= log_.committed()) return false;
#ifdef STRATA_RAFT_BROKEN_RULE
  // Deliberately broken (for the simulator's self-test): commit by counting
  // replicas even when the entry is from an earlier term (paper figure 8).
  log_.commit_to(quorum_index);
  return true;
#else
  // Only entries of the current term commit by counting replicas (5.4.2).
  if (log_.term_or_zero(quorum_index) != term_) return false;
  log_.commit_to(quorum_index);
  return true;
#endif
}

void Raft::Impl::on_persisted(Index last_persisted) {
  if (role_ != Role::kLeader) return;
  Progress* self = trk_.find(id_);
  if (self == nullptr) return;
  if (self->maybe_update(last_persisted) && maybe_commit()) {
    release_pending_read_index();
    bcast_append();
  }
}

void Raft::Impl::handle_append_entries(const Message& m) {
  Message resp;
  resp.type = MessageType::kAppendResponse;
  resp.to = m.from;
  if (m.index < log_.committed()) {
    // Already committed here: tell the leader where we are.
    resp.index = log_.committed();
    send(std::move(resp));
    return;
  }
  if (auto last_new = log_.maybe_append(m.index, m.log_term, m.commit, m.entries)) {
    resp.index = *last_new;
    send(std::move(resp));
    return;
  }
  // Mismatch: hint the largest index whose term is <= the leader's term at
  // m.index, so the leader can skip a whole term per round trip.
  Index hint = std::min(m.index, log_.last_index());
  auto [hint_index, hint_term] = log_.find_conflict_by_term(hint, m.log_term);
  resp.index = m.index;
  resp.reject = true;
  resp.reject_hint = hint_index;
  resp.log_term = hint_term;
  send(std::move(resp));
}

void Raft::Impl::handle_heartbeat(const Message& m) {
  log_.commit_to(m.commit);
  Message resp;
  resp.type = MessageType::kHeartbeatResponse;
  resp.to = m.from;
  resp.context = m.context;
  send(std::move(resp));
}

void Raft::Impl::handle_snapshot(const Message& m) {
  Message resp;
  resp.type = MessageType::kAppendResponse;
  resp.to = m.from;
  if (restore(*m.snapshot)) {
    resp.index = log_.last_index();
  } else {
    resp.index = log_.committed();
  }
  send(std::move(resp));
}

bool Raft::Impl::restore(const Snapshot& s) {
  if (s.metadata.index <= log_.committed()) return false;
  STRATA_ASSERT(role_ == Role::kFollower);
  const ConfState& cs = s.metadata.conf_state;
  auto in = [&](const std::vector<NodeId>& v) {
    return std::find(v.begin(), v.end(), id_) != v.end();
  };
  // A member must never restore a config that excludes it: it was removed and
  // the snapshot is not for it. A node that is not a member yet (just added,
  // its log empty) may: the entries after the snapshot add it.
  bool in_snapshot = in(cs.voters) || in(cs.learners) || in(cs.voters_outgoing);
  if (!in_snapshot && trk_.find(id_) != nullptr) return false;
  if (log_.match_term(s.metadata.index, s.metadata.term)) {
    // We already hold the snapshot's last entry: just fast-forward commit.
    log_.commit_to(s.metadata.index);
    return false;
  }
  log_.restore(s);
  auto cp = ConfChanger::Restore(cs, log_.last_index(), trk_.max_inflight());
  STRATA_ASSERT_MSG(cp.ok(), "snapshot has an invalid config: " + cp.status().ToString());
  switch_to_config(std::move(*cp));
  return true;
}

void Raft::Impl::handle_append_response(const Message& m, Progress* pr) {
  pr->recent_active = true;
  if (m.reject) {
    Index next_probe = m.reject_hint;
    if (m.log_term > Term(0)) {
      // Skip every entry of ours whose term is above the follower's hint term.
      next_probe = log_.find_conflict_by_term(m.reject_hint, m.log_term).first;
    }
    if (pr->maybe_decrease_to(m.index, next_probe)) {
      if (pr->state == ProgressState::kReplicate) pr->become_probe();
      send_append(m.from);
    }
    return;
  }
  bool was_paused = pr->is_paused();
  if (pr->maybe_update(m.index)) {
    switch (pr->state) {
      case ProgressState::kProbe:
        pr->become_replicate();
        break;
      case ProgressState::kSnapshot:
        if (pr->match + 1 >= log_.first_index()) {
          pr->become_probe();
          pr->become_replicate();
        }
        break;
      case ProgressState::kReplicate:
        pr->inflights.free_le(m.index);
        break;
    }
    if (maybe_commit()) {
      release_pending_read_index();
      bcast_append();
    } else if (was_paused) {
      send_append(m.from);
    }
    // Fill the in-flight window.
    while (maybe_send_append(m.from, false)) {
    }
    if (m.from == lead_transferee_ && pr->match == log_.last_index()) send_timeout_now(m.from);
  }
}

void Raft::Impl::handle_heartbeat_response(const Message& m, Progress* pr) {
  pr->recent_active = true;
  pr->probe_sent = false;
  if (pr->state == ProgressState::kReplicate && pr->inflights.full()) {
    pr->inflights.free_first_one();
  }
  if (pr->match < log_.last_index()) send_append(m.from);
  if (!m.context.empty()) handle_read_index_ack(m);
}

void Raft::Impl::report_unreachable(NodeId peer) {
  if (role_ != Role::kLeader) return;
  Progress* pr = trk_.find(peer);
  if (pr != nullptr && pr->state == ProgressState::kReplicate) pr->become_probe();
}

void Raft::Impl::report_snapshot(NodeId peer, bool success) {
  if (role_ != Role::kLeader) return;
  Progress* pr = trk_.find(peer);
  if (pr == nullptr || pr->state != ProgressState::kSnapshot) return;
  if (!success) pr->pending_snapshot = Index(0);
  pr->become_probe();
  // Wait for the follower's response (or a heartbeat) before probing again.
  pr->probe_sent = true;
}

Status Raft::Impl::propose(std::string data) {
  if (role_ != Role::kLeader) {
    return Status::NotLeader(lead_.none() ? "no leader" : "leader is node " + ToString(lead_));
  }
  if (trk_.find(id_) == nullptr) {
    return Status::ProposalDropped("node " + ToString(id_) + " was removed from the group");
  }
  if (!lead_transferee_.none()) {
    return Status::ProposalDropped("leadership transfer to node " + ToString(lead_transferee_) +
                                   " in progress");
  }
  std::vector<Entry> entries(1);
  entries[0].data = std::move(data);
  if (!append_entries(std::move(entries))) {
    return Status::ProposalDropped("too many uncommitted bytes");
  }
  return Status::Ok();
}

}  // namespace strata::raft

// Lifecycle, ticks and the Ready/advance handshake.
#include "raft/raft.h"

#include <algorithm>

#include "raft/confchange.h"
#include "raft/raft_impl.h"

namespace strata::raft {

std::string_view ProgressStateName(ProgressState s) {
  switch (s) {
    case ProgressState::kProbe:
      return "probe";
    case ProgressState::kReplicate:
      return "replicate";
    case ProgressState::kSnapshot:
      return "snapshot";
  }
  return "unknown";
}

Raft::Impl::Impl(const Config& cfg)
    : id_(cfg.id),
      log_(cfg.storage, cfg.max_committed_bytes_per_ready),
      cfg_(cfg),
      trk_(cfg.max_inflight_appends),
      rng_(cfg.seed ^ (cfg.id.value() * 0x9e3779b97f4a7c15ULL)) {}

Status Raft::Impl::init() {
  auto state = cfg_.storage->initial_state();
  if (!state.ok()) return state.status();
  const HardState& hs = state->hard_state;
  auto restored = ConfChanger::Restore(state->conf_state, log_.last_index(), trk_.max_inflight());
  if (!restored.ok()) return restored.status();
  trk_.config = std::move(restored->config);
  trk_.progress = std::move(restored->progress);
  const Progress* self = trk_.find(id_);
  is_learner_ = self != nullptr && self->is_learner;

  if (!hs.empty()) {
    if (hs.commit < log_.committed() || hs.commit > log_.last_index()) {
      return Status::InvalidArgument("hard state commit " + std::to_string(hs.commit.value()) +
                                     " outside the log [" +
                                     std::to_string(log_.committed().value()) + ", " +
                                     std::to_string(log_.last_index().value()) + "]");
    }
    log_.commit_to(hs.commit);
    term_ = hs.term;
    vote_ = hs.vote;
  }
  if (cfg_.applied > Index(0)) {
    if (cfg_.applied > log_.committed()) {
      return Status::InvalidArgument("applied index " + std::to_string(cfg_.applied.value()) +
                                     " is past the commit index " +
                                     std::to_string(log_.committed().value()));
    }
    log_.set_applied_on_restart(std::max(cfg_.applied, log_.applied()));
  }
  become_follower(term_, kNoNode);
  prev_soft_ = soft_state();
  prev_hard_ = hard_state();
  return Status::Ok();
}

void Raft::Impl::tick() {
  if (role_ == Role::kLeader) {
    tick_heartbeat();
  } else {
    tick_election();
  }
}

bool Raft::Impl::has_ready() const {
  if (soft_state() != prev_soft_) return true;
  HardState hs = hard_state();
  if (!hs.empty() && hs != prev_hard_) return true;
  if (log_.unstable_snapshot()) return true;
  if (!msgs_.empty() || !log_.unstable_entries().empty() || !read_states_.empty()) return true;
  return log_.has_next_committed_entries();
}

Ready Raft::Impl::ready() {
  STRATA_ASSERT_MSG(!awaiting_advance_, "ready() called again before advance()");
  Ready rd;
  rd.entries = log_.unstable_entries();
  rd.committed_entries = log_.next_committed_entries();
  SoftState ss = soft_state();
  if (ss != prev_soft_) rd.soft_state = ss;
  HardState hs = hard_state();
  if (hs != prev_hard_) rd.hard_state = hs;
  if (log_.unstable_snapshot()) rd.snapshot = *log_.unstable_snapshot();
  rd.read_states = std::move(read_states_);
  read_states_.clear();
  rd.messages = std::move(msgs_);
  msgs_.clear();
  rd.must_sync = !rd.entries.empty() || rd.snapshot.has_value() ||
                 (rd.hard_state && (hs.term != prev_hard_.term || hs.vote != prev_hard_.vote));
  rd.messages_before_persist = role_ == Role::kLeader && !rd.snapshot.has_value() &&
                               hs.term == prev_hard_.term && hs.vote == prev_hard_.vote;

  prev_soft_ = ss;
  prev_hard_ = hs;
  ready_last_entry_.reset();
  if (!rd.entries.empty()) ready_last_entry_ = {rd.entries.back().index, rd.entries.back().term};
  ready_snapshot_index_.reset();
  if (rd.snapshot) ready_snapshot_index_ = rd.snapshot->metadata.index;
  ready_last_committed_.reset();
  ready_committed_bytes_ = 0;
  if (!rd.committed_entries.empty()) {
    ready_last_committed_ = rd.committed_entries.back().index;
    for (const Entry& e : rd.committed_entries) ready_committed_bytes_ += e.data.size();
  }
  awaiting_advance_ = true;
  return rd;
}

void Raft::Impl::advance() {
  STRATA_ASSERT_MSG(awaiting_advance_, "advance() without a Ready");
  awaiting_advance_ = false;
  if (ready_snapshot_index_) log_.stable_snapshot_to(*ready_snapshot_index_);
  if (ready_last_entry_) log_.stable_to(ready_last_entry_->first, ready_last_entry_->second);
  if (ready_last_committed_) {
    log_.applied_to(*ready_last_committed_);
    uncommitted_bytes_ -= std::min(uncommitted_bytes_, ready_committed_bytes_);
  }
  if (ready_last_entry_ || ready_snapshot_index_) on_persisted(log_.persisted_last_index());
  maybe_auto_leave_joint();
}

RaftStatus Raft::Impl::status() const {
  RaftStatus st;
  st.id = id_;
  st.hard_state = hard_state();
  st.soft_state = soft_state();
  st.applied = log_.applied();
  st.last_index = log_.last_index();
  st.conf_state = trk_.config.to_conf_state();
  st.lead_transferee = lead_transferee_;
  if (role_ == Role::kLeader) {
    for (const auto& [id, pr] : trk_.progress) {
      st.peers.push_back(
          PeerStatus{id, pr.match, pr.next, pr.state, pr.is_learner, pr.recent_active});
    }
  }
  return st;
}

// ---- Facade ----

Result<std::unique_ptr<Raft>> Raft::Create(const Config& config) {
  if (config.id.none()) return Status::InvalidArgument("raft config: id must be non-zero");
  if (config.storage == nullptr) return Status::InvalidArgument("raft config: storage is null");
  if (config.heartbeat_ticks <= 0) {
    return Status::InvalidArgument("raft config: heartbeat_ticks must be positive");
  }
  if (config.election_ticks <= config.heartbeat_ticks) {
    return Status::InvalidArgument("raft config: election_ticks must exceed heartbeat_ticks");
  }
  if (config.max_inflight_appends <= 0) {
    return Status::InvalidArgument("raft config: max_inflight_appends must be positive");
  }
  auto impl = std::make_unique<Impl>(config);
  STRATA_RETURN_IF_ERROR(impl->init());
  return std::unique_ptr<Raft>(new Raft(std::move(impl)));
}

Raft::Raft(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Raft::~Raft() = default;

void Raft::tick() { impl_->tick(); }
Status Raft::campaign() { return impl_->campaign_now(); }
Status Raft::step(const Message& m) { return impl_->step(m); }
Status Raft::propose(std::string data) { return impl_->propose(std::move(data)); }
Status Raft::propose_conf_change(const ConfChange& cc) { return impl_->propose_conf_change(cc); }
Result<ConfState> Raft::apply_conf_change(const ConfChange& cc) {
  return impl_->apply_conf_change(cc);
}
Status Raft::read_index(std::string ctx) { return impl_->read_index(std::move(ctx)); }
Status Raft::transfer_leader(NodeId transferee) { return impl_->transfer_leader(transferee); }
void Raft::report_unreachable(NodeId peer) { impl_->report_unreachable(peer); }
void Raft::report_snapshot(NodeId peer, bool success) { impl_->report_snapshot(peer, success); }
bool Raft::has_ready() const { return impl_->has_ready(); }
Ready Raft::ready() { return impl_->ready(); }
void Raft::advance() { impl_->advance(); }
NodeId Raft::id() const { return impl_->id_; }
Term Raft::term() const { return impl_->term_; }
NodeId Raft::leader() const { return impl_->lead_; }
Role Raft::role() const { return impl_->role_; }
Index Raft::committed() const { return impl_->log_.committed(); }
Index Raft::applied() const { return impl_->log_.applied(); }
Index Raft::last_index() const { return impl_->log_.last_index(); }
RaftStatus Raft::status() const { return impl_->status(); }

}  // namespace strata::raft

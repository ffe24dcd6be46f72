// Terms, roles, elections (raft paper 5.2, thesis 9.6 pre-vote, 6.2
// check-quorum) and the dispatch of incoming messages.
#include <string>

#include "raft/raft_impl.h"

namespace strata::raft {
namespace {

constexpr std::string_view kTransferContext = "transfer";

MessageType VoteResponseType(MessageType t) {
  return t == MessageType::kPreVote ? MessageType::kPreVoteResponse : MessageType::kVoteResponse;
}

bool IsResponse(MessageType t) {
  switch (t) {
    case MessageType::kAppendResponse:
    case MessageType::kHeartbeatResponse:
    case MessageType::kVoteResponse:
    case MessageType::kPreVoteResponse:
    case MessageType::kReadIndexResponse:
      return true;
    default:
      return false;
  }
}

std::string Str(uint64_t v) { return std::to_string(v); }

}  // namespace

void Raft::Impl::reset_randomized_election_timeout() {
  randomized_election_timeout_ =
      cfg_.election_ticks +
      static_cast<int>(rng_.uniform(static_cast<uint64_t>(cfg_.election_ticks)));
}

bool Raft::Impl::past_election_timeout() const {
  return election_elapsed_ >= randomized_election_timeout_;
}

void Raft::Impl::reset(Term term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNoNode;
  }
  lead_ = kNoNode;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  reset_randomized_election_timeout();
  abort_leader_transfer();
  trk_.reset_votes();
  Index last = log_.last_index();
  for (auto& [id, pr] : trk_.progress) {
    bool learner = pr.is_learner;
    pr = Progress(Index(0), last + 1, trk_.max_inflight(), learner);
    // The leader's own entry counts only once it is durable (see on_persisted).
    if (id == id_) pr.match = log_.persisted_last_index();
  }
  pending_conf_index_ = Index(0);
  uncommitted_bytes_ = 0;
  read_only_ = ReadOnly();
  pending_reads_.clear();
}

void Raft::Impl::become_follower(Term term, NodeId lead) {
  reset(term);
  lead_ = lead;
  role_ = Role::kFollower;
}

void Raft::Impl::become_pre_candidate() {
  STRATA_ASSERT_MSG(role_ != Role::kLeader, "leader cannot become pre-candidate");
  // Pre-vote changes neither term nor vote.
  trk_.reset_votes();
  role_ = Role::kPreCandidate;
  lead_ = kNoNode;
}

void Raft::Impl::become_candidate() {
  STRATA_ASSERT_MSG(role_ != Role::kLeader, "leader cannot become candidate");
  reset(term_ + 1);
  vote_ = id_;
  role_ = Role::kCandidate;
}

void Raft::Impl::become_leader() {
  STRATA_ASSERT_MSG(role_ != Role::kFollower, "follower cannot become leader directly");
  reset(term_);
  lead_ = id_;
  role_ = Role::kLeader;
  Progress* self = trk_.find(id_);
  STRATA_ASSERT(self != nullptr);
  self->become_replicate();
  self->recent_active = true;
  // Conf changes already in the log may be uncommitted; be conservative.
  pending_conf_index_ = log_.last_index();
  // A no-op of the new term lets earlier entries commit (paper 5.4.2) and
  // makes ReadIndex safe (thesis 6.4).
  std::vector<Entry> noop(1);
  bool ok = append_entries(std::move(noop));
  STRATA_ASSERT(ok);
}

bool Raft::Impl::promotable() const {
  const Progress* self = trk_.find(id_);
  return self != nullptr && !self->is_learner && !log_.unstable_snapshot().has_value();
}

Status Raft::Impl::campaign_now() {
  return hup(cfg_.pre_vote ? CampaignType::kPreElection : CampaignType::kElection);
}

Status Raft::Impl::hup(CampaignType type) {
  if (role_ == Role::kLeader) return Status::Ok();
  if (!promotable()) {
    return Status::FailedPrecondition("node " + ToString(id_) +
                                      " is not a voter and cannot campaign");
  }
  if (log_.has_unapplied_conf_change()) {
    return Status::FailedPrecondition("cannot campaign with unapplied configuration changes");
  }
  campaign(type);
  return Status::Ok();
}

void Raft::Impl::campaign(CampaignType type) {
  if (!promotable()) return;
  Term term;
  MessageType vote_type;
  if (type == CampaignType::kPreElection) {
    become_pre_candidate();
    vote_type = MessageType::kPreVote;
    term = term_ + 1;  // The term we would campaign in.
  } else {
    become_candidate();
    vote_type = MessageType::kVote;
    term = term_;
  }
  if (poll(id_, VoteResponseType(vote_type), true) == VoteResult::kWon) {
    // A single-voter config wins at once.
    if (type == CampaignType::kPreElection) {
      campaign(CampaignType::kElection);
    } else {
      become_leader();
    }
    return;
  }
  for (NodeId id : trk_.config.voters.ids()) {
    if (id == id_) continue;
    Message m;
    m.type = vote_type;
    m.to = id;
    m.term = term;
    m.index = log_.last_index();
    m.log_term = log_.last_term();
    if (type == CampaignType::kTransfer) m.context = kTransferContext;
    send(std::move(m));
  }
}

VoteResult Raft::Impl::poll(NodeId id, MessageType /*type*/, bool granted) {
  trk_.record_vote(id, granted);
  return trk_.tally_votes();
}

void Raft::Impl::tick_election() {
  ++election_elapsed_;
  if (promotable() && past_election_timeout()) {
    election_elapsed_ = 0;
    (void)campaign_now();
  }
}

void Raft::Impl::tick_heartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= cfg_.election_ticks) {
    election_elapsed_ = 0;
    if (cfg_.check_quorum) {
      if (!trk_.quorum_active()) {
        become_follower(term_, kNoNode);
        return;
      }
      for (auto& [id, pr] : trk_.progress) {
        if (id != id_) pr.recent_active = false;
      }
    }
    // A transfer that did not finish within an election timeout is abandoned.
    abort_leader_transfer();
  }
  if (role_ != Role::kLeader) return;
  if (heartbeat_elapsed_ >= cfg_.heartbeat_ticks) {
    heartbeat_elapsed_ = 0;
    bcast_heartbeat(read_only_.last_pending_ctx());
  }
}

Status Raft::Impl::validate(const Message& m) const {
  if (m.type > MessageType::kReadIndexResponse) {
    return Status::InvalidArgument("unknown message type " + Str(static_cast<uint64_t>(m.type)));
  }
  if (m.to != id_) {
    return Status::InvalidArgument("message for node " + ToString(m.to) + " delivered to node " +
                                   ToString(id_));
  }
  if (m.range != cfg_.range) {
    return Status::InvalidArgument("message for range " + Str(m.range.value()) +
                                   " delivered to range " + Str(cfg_.range.value()));
  }
  if (m.from.none() || m.from == id_) {
    return Status::InvalidArgument("message has invalid sender " + ToString(m.from));
  }
  if (m.term == Term(0)) return Status::InvalidArgument("message has term 0");
  if (!m.entries.empty() && m.type != MessageType::kAppend) {
    return Status::InvalidArgument(std::string(MessageTypeName(m.type)) + " carries entries");
  }
  if ((m.snapshot != nullptr) != (m.type == MessageType::kSnapshot)) {
    return Status::InvalidArgument("snapshot present on the wrong message type");
  }
  switch (m.type) {
    case MessageType::kAppend: {
      if (m.log_term > m.term) return Status::InvalidArgument("append log_term exceeds term");
      if (m.index == Index(0) && m.log_term != Term(0)) {
        return Status::InvalidArgument("append at index 0 with non-zero log_term");
      }
      Term prev_term = m.log_term;
      for (size_t i = 0; i < m.entries.size(); ++i) {
        const Entry& e = m.entries[i];
        if (e.index != m.index + (i + 1)) {
          return Status::InvalidArgument("append entries are not contiguous after index " +
                                         Str(m.index.value()));
        }
        if (e.term < prev_term || e.term > m.term) {
          return Status::InvalidArgument("append entry " + Str(e.index.value()) +
                                         " has an impossible term " + Str(e.term.value()));
        }
        if (e.type > EntryType::kConfChange) {
          return Status::InvalidArgument("append entry has an unknown type");
        }
        prev_term = e.term;
      }
      break;
    }
    case MessageType::kSnapshot: {
      const SnapshotMetadata& md = m.snapshot->metadata;
      if (md.index == Index(0) || md.term == Term(0) || md.term > m.term) {
        return Status::InvalidArgument("snapshot metadata is impossible");
      }
      if (md.conf_state.voters.empty()) {
        return Status::InvalidArgument("snapshot has no voters");
      }
      break;
    }
    case MessageType::kVote:
    case MessageType::kPreVote:
      if (m.log_term > m.term) return Status::InvalidArgument("vote log_term exceeds term");
      break;
    case MessageType::kHeartbeat:
      if (m.term >= term_ && m.commit > log_.last_index()) {
        return Status::InvalidArgument("heartbeat commit " + Str(m.commit.value()) +
                                       " is past our last index " + Str(log_.last_index().value()));
      }
      break;
    default:
      break;
  }
  return Status::Ok();
}

Status Raft::Impl::step(const Message& m) {
  STRATA_RETURN_IF_ERROR(validate(m));
  bool handled = false;
  STRATA_RETURN_IF_ERROR(step_by_term(m, &handled));
  if (handled) return Status::Ok();
  switch (m.type) {
    case MessageType::kVote:
    case MessageType::kPreVote:
      handle_vote_request(m);
      return Status::Ok();
    default:
      break;
  }
  switch (role_) {
    case Role::kLeader:
      return step_leader(m);
    case Role::kCandidate:
    case Role::kPreCandidate:
      return step_candidate(m);
    case Role::kFollower:
      return step_follower(m);
  }
  return Status::Ok();
}

// Handles the message's term relative to ours. Sets *handled when the message
// needs no further processing.
Status Raft::Impl::step_by_term(const Message& m, bool* handled) {
  if (m.term > term_) {
    if (m.type == MessageType::kVote || m.type == MessageType::kPreVote) {
      bool forced = m.context == kTransferContext;
      // With check-quorum, a node that hears from a live leader ignores
      // elections (thesis 4.2.3): a removed or partitioned node cannot depose it.
      bool in_lease = cfg_.check_quorum && !lead_.none() && election_elapsed_ < cfg_.election_ticks;
      if (!forced && in_lease) {
        *handled = true;
        return Status::Ok();
      }
    }
    if (m.type == MessageType::kPreVote) {
      // Never change our term on a pre-vote.
    } else if (m.type == MessageType::kPreVoteResponse && !m.reject) {
      // A granted pre-vote carries the future term; we bump when we win.
    } else if (m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat ||
               m.type == MessageType::kSnapshot) {
      become_follower(m.term, m.from);
    } else {
      become_follower(m.term, kNoNode);
    }
    return Status::Ok();
  }
  if (m.term < term_) {
    *handled = true;
    if ((cfg_.check_quorum || cfg_.pre_vote) &&
        (m.type == MessageType::kHeartbeat || m.type == MessageType::kAppend)) {
      // A stale leader (e.g. one cut off by a partition) learns our term from
      // this response and steps down; otherwise, with pre-vote, it could
      // never be told.
      Message resp;
      resp.type = MessageType::kAppendResponse;
      resp.to = m.from;
      send(std::move(resp));
    } else if (m.type == MessageType::kPreVote) {
      Message resp;
      resp.type = MessageType::kPreVoteResponse;
      resp.to = m.from;
      resp.term = term_;
      resp.reject = true;
      send(std::move(resp));
    }
    return Status::Ok();
  }
  return Status::Ok();
}

void Raft::Impl::handle_vote_request(const Message& m) {
  bool pre = m.type == MessageType::kPreVote;
  // We may vote again for the node we voted for, vote if we have not voted
  // and know no leader, or grant a pre-vote for a future term.
  bool can_vote = vote_ == m.from || (vote_.none() && lead_.none()) || (pre && m.term > term_);
  Message resp;
  resp.type = VoteResponseType(m.type);
  resp.to = m.from;
  if (can_vote && log_.is_up_to_date(m.index, m.log_term)) {
    // Granting echoes the message's term (for pre-votes, the future term).
    resp.term = m.term;
    send(std::move(resp));
    if (!pre) {
      election_elapsed_ = 0;
      vote_ = m.from;
    }
  } else {
    resp.term = term_;
    resp.reject = true;
    send(std::move(resp));
  }
}

Status Raft::Impl::step_candidate(const Message& m) {
  MessageType my_response =
      role_ == Role::kPreCandidate ? MessageType::kPreVoteResponse : MessageType::kVoteResponse;
  switch (m.type) {
    case MessageType::kAppend:
      become_follower(m.term, m.from);
      handle_append_entries(m);
      return Status::Ok();
    case MessageType::kHeartbeat:
      become_follower(m.term, m.from);
      handle_heartbeat(m);
      return Status::Ok();
    case MessageType::kSnapshot:
      become_follower(m.term, m.from);
      handle_snapshot(m);
      return Status::Ok();
    case MessageType::kVoteResponse:
    case MessageType::kPreVoteResponse: {
      if (m.type != my_response) return Status::Ok();  // Stale response of another phase.
      switch (poll(m.from, m.type, !m.reject)) {
        case VoteResult::kWon:
          if (role_ == Role::kPreCandidate) {
            campaign(CampaignType::kElection);
          } else {
            become_leader();
          }
          break;
        case VoteResult::kLost:
          become_follower(term_, kNoNode);
          break;
        case VoteResult::kPending:
          break;
      }
      return Status::Ok();
    }
    default:
      return Status::Ok();  // TimeoutNow, reads: nothing a candidate can do.
  }
}

Status Raft::Impl::step_follower(const Message& m) {
  switch (m.type) {
    case MessageType::kAppend:
      election_elapsed_ = 0;
      lead_ = m.from;
      handle_append_entries(m);
      return Status::Ok();
    case MessageType::kHeartbeat:
      election_elapsed_ = 0;
      lead_ = m.from;
      handle_heartbeat(m);
      return Status::Ok();
    case MessageType::kSnapshot:
      election_elapsed_ = 0;
      lead_ = m.from;
      handle_snapshot(m);
      return Status::Ok();
    case MessageType::kTimeoutNow:
      // Leader transfer (thesis 3.10): campaign at once, skipping pre-vote.
      (void)hup(CampaignType::kTransfer);
      return Status::Ok();
    case MessageType::kReadIndexResponse:
      if (!m.reject) read_states_.push_back(ReadState{m.index, m.context});
      return Status::Ok();
    default:
      if (IsResponse(m.type)) return Status::Ok();  // Late responses from our candidacy.
      return Status::Ok();
  }
}

Status Raft::Impl::step_leader(const Message& m) {
  Progress* pr = trk_.find(m.from);
  switch (m.type) {
    case MessageType::kAppendResponse:
      if (pr == nullptr) {
        return Status::InvalidArgument("append response from non-member " + ToString(m.from));
      }
      if (!m.reject && m.index > log_.last_index()) {
        return Status::InvalidArgument("append response acknowledges index " +
                                       Str(m.index.value()) + " past our last index");
      }
      handle_append_response(m, pr);
      return Status::Ok();
    case MessageType::kHeartbeatResponse:
      if (pr == nullptr) {
        return Status::InvalidArgument("heartbeat response from non-member " + ToString(m.from));
      }
      handle_heartbeat_response(m, pr);
      return Status::Ok();
    case MessageType::kReadIndex:
      if (pr == nullptr) {
        return Status::InvalidArgument("read index request from non-member " + ToString(m.from));
      }
      handle_read_index(m.from, m.context);
      return Status::Ok();
    case MessageType::kAppend:
    case MessageType::kHeartbeat:
    case MessageType::kSnapshot:
      // Two leaders in one term would break election safety.
      return Status::InvalidArgument("leader of term " + Str(term_.value()) + " received " +
                                     std::string(MessageTypeName(m.type)) +
                                     " of its own term from " + ToString(m.from));
    default:
      return Status::Ok();
  }
}

}  // namespace strata::raft

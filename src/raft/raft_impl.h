// Raft::Impl, the state machine behind the public Raft facade. Split by
// protocol step: raft.cc (lifecycle, Ready), election.cc (terms, votes,
// roles), replication.cc (append, commit, snapshots), membership.cc
// (configuration changes, leader transfer), read_index.cc (linearizable reads).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "raft/confchange.h"
#include "raft/log.h"
#include "raft/raft.h"
#include "raft/read_only.h"
#include "raft/rng.h"
#include "raft/tracker.h"

namespace strata::raft {

class Raft::Impl {
 public:
  explicit Impl(const Config& cfg);
  Status init();

  // ---- inputs ----
  void tick();
  Status campaign_now();
  Status step(const Message& m);
  Status propose(std::string data);
  Status propose_conf_change(const ConfChange& cc);
  Result<ConfState> apply_conf_change(const ConfChange& cc);
  Status read_index(std::string ctx);
  Status transfer_leader(NodeId transferee);
  void report_unreachable(NodeId peer);
  void report_snapshot(NodeId peer, bool success);

  // ---- output ----
  bool has_ready() const;
  Ready ready();
  void advance();
  RaftStatus status() const;

  // ---- state (read by the facade) ----
  NodeId id_;
  Term term_;
  NodeId vote_;
  NodeId lead_;
  Role role_ = Role::kFollower;
  RaftLog log_;

 private:
  enum class CampaignType { kPreElection, kElection, kTransfer };

  // election.cc
  void become_follower(Term term, NodeId lead);
  void become_pre_candidate();
  void become_candidate();
  void become_leader();
  void reset(Term term);
  void reset_randomized_election_timeout();
  bool promotable() const;
  bool past_election_timeout() const;
  Status hup(CampaignType type);
  void campaign(CampaignType type);
  VoteResult poll(NodeId id, MessageType type, bool granted);
  Status step_by_term(const Message& m, bool* handled);
  void handle_vote_request(const Message& m);
  void tick_election();
  void tick_heartbeat();
  Status step_leader(const Message& m);
  Status step_candidate(const Message& m);
  Status step_follower(const Message& m);
  Status validate(const Message& m) const;

  // replication.cc
  void send(Message m);
  bool maybe_send_append(NodeId to, bool send_if_empty);
  void send_append(NodeId to) { maybe_send_append(to, true); }
  bool send_snapshot(NodeId to, Progress* pr);
  void bcast_append();
  void send_heartbeat(NodeId to, const std::string& ctx);
  void bcast_heartbeat(const std::string& ctx);
  bool append_entries(std::vector<Entry> entries);
  bool maybe_commit();
  void handle_append_entries(const Message& m);
  void handle_heartbeat(const Message& m);
  void handle_snapshot(const Message& m);
  void handle_append_response(const Message& m, Progress* pr);
  void handle_heartbeat_response(const Message& m, Progress* pr);
  bool restore(const Snapshot& s);
  void on_persisted(Index last_persisted);

  // membership.cc
  ConfState switch_to_config(ConfigAndProgress cp);
  void step_down_after_removal();
  void abort_leader_transfer() { lead_transferee_ = kNoNode; }
  void send_timeout_now(NodeId to);
  void maybe_auto_leave_joint();

  // read_index.cc
  void handle_read_index(NodeId from, const std::string& ctx);
  void respond_to_read_index(NodeId from, const std::string& ctx, Index index);
  void release_pending_read_index();
  bool committed_entry_in_current_term() const;
  void handle_read_index_ack(const Message& m);

  SoftState soft_state() const { return SoftState{lead_, role_}; }
  HardState hard_state() const { return HardState{term_, vote_, log_.committed()}; }

  Config cfg_;
  ProgressTracker trk_;
  bool is_learner_ = false;
  std::vector<Message> msgs_;
  NodeId lead_transferee_;
  // Index of the newest conf change the leader proposed; a new one may be
  // proposed only once it is applied.
  Index pending_conf_index_;
  uint64_t uncommitted_bytes_ = 0;
  ReadOnly read_only_;
  std::vector<ReadState> read_states_;
  // Reads that arrived before the leader committed an entry of its term.
  std::vector<std::pair<NodeId, std::string>> pending_reads_;
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_election_timeout_ = 0;
  Rng rng_;

  // What the outstanding Ready handed out, so advance() can acknowledge it.
  SoftState prev_soft_;
  HardState prev_hard_;
  bool awaiting_advance_ = false;
  std::optional<std::pair<Index, Term>> ready_last_entry_;
  std::optional<Index> ready_snapshot_index_;
  std::optional<Index> ready_last_committed_;
  uint64_t ready_committed_bytes_ = 0;
};

}  // namespace strata::raft

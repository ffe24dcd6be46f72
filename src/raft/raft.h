// Strata's Raft consensus core: a pure, deterministic state machine.
//
// Raft owns no threads, sockets, clocks or files, and draws randomness only
// from the seed in its Config. The application drives it:
//
//   tick()                    once per logical clock tick
//   step(message)             for every message received from a peer
//   propose / read_index ...  for client requests
//
// and then drains its output:
//
//   while (raft.has_ready()) {
//     Ready rd = raft.ready();
//     1. Persist rd.hard_state, rd.entries and rd.snapshot (synced) before
//        sending any message: votes and append acknowledgements promise
//        durability. When rd.messages_before_persist is set (a leader whose
//        term and vote are already durable), send rd.messages first: the
//        leader counts its own log towards commitment only after advance(),
//        so it may write to its disk while its followers write to theirs.
//     2. Send rd.messages (if not sent already).
//     3. If rd.snapshot is set, restore the state machine from it; then apply
//        rd.committed_entries in order (calling apply_conf_change for
//        kConfChange entries). Serve reads in rd.read_states once applied.
//     4. Call advance().
//   }
//
// Every message from the network is validated in step(): a malformed message
// is rejected with kInvalidArgument and changes nothing; stale messages are
// ignored. Broken internal invariants abort (assertions stay on in release).
//
// Thread-safety: none. One thread (or one strand) owns a Raft object.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "raft/storage.h"
#include "raft/types.h"

namespace strata::raft {

struct Config {
  // This replica's id. REQUIRES: non-zero.
  NodeId id;
  // The Raft group; stamped on every outgoing message, checked on incoming ones.
  RangeId range{1};
  // Durable log. Not owned; must outlive the Raft object.
  const LogStorage* storage = nullptr;
  // The last index the state machine applied, when restarting. Default: 0
  // (committed entries are replayed from the storage's first index).
  Index applied;
  // A follower that hears from no leader for a randomized number of ticks in
  // [election_ticks, 2 * election_ticks) starts an election.
  // REQUIRES: > heartbeat_ticks. Default: 10.
  int election_ticks = 10;
  // The leader sends heartbeats every heartbeat_ticks. Default: 1.
  int heartbeat_ticks = 1;
  // Seeds the election timeout randomization. Same seed, same behaviour.
  uint64_t seed = 1;
  // Upper bound on entry bytes in one append message (at least one entry is
  // always sent). Default: 1 MiB.
  uint64_t max_append_bytes = 1 << 20;
  // Maximum append messages in flight to one follower in replicate state.
  // Default: 256.
  int max_inflight_appends = 256;
  // Upper bound on committed entry bytes handed out in one Ready. Default: 64 MiB.
  uint64_t max_committed_bytes_per_ready = 64 << 20;
  // The leader refuses proposals while its uncommitted tail exceeds this many
  // bytes (0: no limit). Default: 0.
  uint64_t max_uncommitted_bytes = 0;
  // Pre-vote (thesis 9.6): a node first checks it could win before bumping its
  // term, so a partitioned node cannot disrupt the cluster on return.
  bool pre_vote = true;
  // Check-quorum (thesis 6.2): a leader that has not heard from a quorum in an
  // election timeout steps down, and followers ignore vote requests while
  // they hear from a leader. Default: true.
  bool check_quorum = true;
};

struct Ready {
  // Set when leader or role changed since the last Ready. Nothing to persist.
  std::optional<SoftState> soft_state;
  // Set when term, vote or commit changed: persist before sending messages.
  std::optional<HardState> hard_state;
  // Linearizable read points; serve each once applied >= index.
  std::vector<ReadState> read_states;
  // New log entries to append to stable storage (replacing any conflicting
  // suffix) before sending messages.
  std::vector<Entry> entries;
  // A snapshot to persist and restore the state machine from.
  std::optional<Snapshot> snapshot;
  // Committed entries to apply, in order, after persisting the above.
  std::vector<Entry> committed_entries;
  // Messages to send after persisting.
  std::vector<Message> messages;
  // True when entries, hard state (term or vote) or a snapshot need an fsync.
  bool must_sync = false;
  // True when `messages` may be sent before the rest is persisted: this node
  // leads, no snapshot is pending, and its term and vote are unchanged since
  // the last Ready, so nothing a message promises depends on this Ready's
  // writes (thesis 10.2.1).
  bool messages_before_persist = false;
};

// The view of a replica's progress the leader keeps for each peer.
enum class ProgressState : uint8_t { kProbe, kReplicate, kSnapshot };
std::string_view ProgressStateName(ProgressState s);

struct PeerStatus {
  NodeId id;
  Index match;
  Index next;
  ProgressState state = ProgressState::kProbe;
  bool learner = false;
  bool recent_active = false;
};

struct RaftStatus {
  NodeId id;
  HardState hard_state;
  SoftState soft_state;
  Index applied;
  Index last_index;
  ConfState conf_state;
  NodeId lead_transferee;
  std::vector<PeerStatus> peers;  // Leader only.
};

class Raft {
 public:
  // Builds a replica from the storage's initial state. Returns kInvalidArgument
  // for a bad config, or the storage's error.
  static Result<std::unique_ptr<Raft>> Create(const Config& config);
  ~Raft();
  Raft(const Raft&) = delete;
  Raft& operator=(const Raft&) = delete;

  // Advances the logical clock by one tick (elections, heartbeats, quorum checks).
  void tick();
  // Starts an election now (pre-vote first when enabled). Returns
  // kFailedPrecondition if this node cannot be elected (learner, not a member,
  // or has unapplied configuration changes).
  Status campaign();
  // Processes a message from a peer. Malformed messages return kInvalidArgument
  // and change nothing; messages from stale terms are ignored (OK).
  Status step(const Message& m);

  // Appends `data` to the log. Returns kNotLeader (no leader known, or another
  // node leads), or kProposalDropped while a leader transfer is in progress or
  // the uncommitted tail is full. OK means proposed, not committed.
  Status propose(std::string data);
  // Proposes a membership change. Besides propose()'s errors, returns
  // kUnavailable while an earlier change is not yet applied (retry later),
  // and kFailedPrecondition for a change that is invalid for the current
  // configuration (e.g. removes every voter).
  Status propose_conf_change(const ConfChange& cc);
  // Applies a committed membership change; call it when the application
  // applies a kConfChange entry. Returns the new membership. Returns
  // kInvalidArgument (and changes nothing) for a change that is invalid
  // against the current configuration.
  Result<ConfState> apply_conf_change(const ConfChange& cc);
  // Requests a linearizable read point tagged `request_ctx`; it arrives in a
  // later Ready's read_states. Followers forward to the leader. Returns
  // kNotLeader when no leader is known. The leader answers only after it has
  // committed an entry of its own term.
  Status read_index(std::string request_ctx);
  // Asks the leader to hand leadership to `transferee` (which it first brings
  // up to date, then sends TimeoutNow). Returns kNotLeader on a non-leader,
  // kInvalidArgument for an unknown node or a learner.
  Status transfer_leader(NodeId transferee);

  // The transport could not reach `peer`: the leader falls back to probing it.
  void report_unreachable(NodeId peer);
  // Outcome of sending a snapshot to `peer`.
  void report_snapshot(NodeId peer, bool success);

  // True if ready() would return something to act on.
  bool has_ready() const;
  // Returns the pending work. REQUIRES: the previous Ready was advanced.
  Ready ready();
  // Acknowledges that the last Ready was handled as the contract says.
  void advance();

  NodeId id() const;
  Term term() const;
  NodeId leader() const;
  Role role() const;
  Index committed() const;
  Index applied() const;
  Index last_index() const;
  RaftStatus status() const;

  // Internal state machine; defined in raft_impl.h.
  class Impl;

 private:
  explicit Raft(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::raft

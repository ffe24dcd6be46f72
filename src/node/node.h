// Node: hosts the range replicas of one strata-server process and drives
// them with a single raft loop thread.
//
// Each loop iteration steps queued peer messages, proposals and reads into
// the replicas, ticks them on schedule, then handles every replica's Ready
// together: all new entries and hard states of all ranges go to the engine
// in ONE synced write (group commit), messages go to the transport, and
// committed entries are applied with the applied index in one atomic batch
// per range.
//
// Thread-safety: propose, read_index, deliver and the accessors are safe from
// any thread; start/stop from the owning thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "node/log_store.h"
#include "node/snapshot_images.h"
#include "node/state_machine.h"
#include "raft/raft.h"
#include "storage/engine.h"

namespace strata::node {

// Carries raft messages and forwarded proposals to peers. Implementations
// batch per peer and must not block the caller for long (queue and return).
// Delivery is best effort: raft tolerates loss, and a lost forwarded
// proposal times out at its origin.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual void send(std::vector<raft::Message> messages) = 0;
  // Hands an encoded proposal to `leader`, which proposes it unchanged
  // (Node::deliver_forwarded).
  virtual void forward(raft::NodeId leader, raft::RangeId range, std::string proposal) = 0;
};

// Receives the node's measurements (for metrics). Called on the raft loop
// thread: implementations must be cheap and must not call back into Node.
class NodeObserver {
 public:
  virtual ~NodeObserver() = default;
  // One write of raft entries and hard state (the group commit).
  virtual void on_log_write(std::chrono::nanoseconds /*duration*/, bool /*synced*/) {}
  // Committed entries of a range were applied.
  virtual void on_apply(raft::RangeId /*range*/, size_t /*entries*/,
                        std::chrono::nanoseconds /*duration*/, raft::Index /*committed*/,
                        raft::Index /*applied*/) {}
  // A replica's role or known leader changed.
  virtual void on_role_change(raft::RangeId /*range*/, raft::Role /*role*/, raft::NodeId /*leader*/,
                              raft::Term /*term*/) {}
  // A proposal failed (no leader, timed out, lost to a leader change).
  virtual void on_proposal_failed() {}
};

struct NodeOptions {
  raft::NodeId id;
  // Length of one raft tick. Default: 100 ms (etcd's heartbeat interval).
  std::chrono::milliseconds tick_interval{100};
  // Election timeout in ticks. Default: 10.
  int election_ticks = 10;
  int heartbeat_ticks = 1;
  // Compact a range's raft log once it holds more than this many applied
  // entries (etcd's --snapshot-count). Default: 10,000.
  uint64_t snapshot_count = 10000;
  // Entries kept after compaction so slightly lagging followers catch up
  // from the log instead of a snapshot. Default: 5,000.
  uint64_t catch_up_entries = 5000;
  // A proposal not applied within this time fails with kDeadlineExceeded
  // (its outcome is then unknown, as with etcd's "request timed out").
  // Default: 7 s (etcd: 5 s plus two election timeouts).
  std::chrono::milliseconds proposal_timeout{7000};
  // A proposal or read that finds no leader waits this long for an election
  // to produce one before failing with kUnavailable, so that clients ride
  // through elections. Default: 0, meaning two election timeouts.
  std::chrono::milliseconds leader_wait{0};
  // Streamed snapshots (StateMachine::capture_snapshot): images a leader
  // holds at once, waiting to be sent or being sent (each pins old data in
  // the engine). Default: 4.
  size_t snapshot_images_max = 4;
  // An image the transport has not opened this long after raft asked for
  // it (its message was lost) is released at the next snapshot activity.
  // Default: 60 s.
  std::chrono::milliseconds snapshot_image_ttl{60000};
  // Not owned; may be null. Must outlive the node.
  NodeObserver* observer = nullptr;
  // Fault injection only (--experimental-fault-injection): asked before
  // each synced log write, which then stalls that long first, as on a disk
  // whose fsync is slow. Empty: no stall.
  std::function<std::chrono::milliseconds()> synced_write_stall;
};

using ApplyCallback = std::function<void(ApplyResult)>;

// What a read waits for: the state machine has applied at least `index`.
using ReadResult = Result<raft::Index>;
using ReadCallback = std::function<void(ReadResult)>;

class Node {
 public:
  Node(NodeOptions options, storage::Engine* engine, Transport* transport);
  ~Node();

  // Registers a range replica. `bootstrap` (non-empty voters) seeds a brand
  // new range; it is ignored when the range already has a log on disk.
  // REQUIRES: before start(); state_machine outlives the node.
  Status add_range(raft::RangeId range, const raft::ConfState& bootstrap,
                   StateMachine* state_machine);
  // Starts the raft loop.
  Status start();
  // Stops the loop; pending proposals and reads fail with kCancelled.
  void stop();

  // Proposes a command through the range's leader (forwarding it when this
  // replica is a follower). `done` runs once the command is applied HERE,
  // with the local state machine's result, on the raft loop thread: keep it
  // short. Errors: kUnavailable when no leader emerges within leader_wait, kDeadlineExceeded
  // after proposal_timeout, kProposalDropped when a leader change lost it,
  // kNotFound for an unknown range, kCancelled on stop.
  void propose(raft::RangeId range, std::string command, ApplyCallback done);
  std::future<ApplyResult> propose(raft::RangeId range, std::string command);
  // Proposes a membership change through the leader, like propose(). `done`
  // gets StateMachine::apply_conf_change's result once applied here.
  // kFailedPrecondition when another change is still pending.
  void propose_conf_change(raft::RangeId range, raft::ConfChange cc, ApplyCallback done);
  std::future<ApplyResult> propose_conf_change(raft::RangeId range, raft::ConfChange cc);
  // Asks this replica, which must lead the range, to hand leadership to
  // `to`. `done` gets kNotLeader, kInvalidArgument (unknown or learner
  // target) or OK once the transfer started; watch status() for the outcome.
  void transfer_leader(raft::RangeId range, raft::NodeId to, std::function<void(Status)> done);
  // `done` runs (on the raft loop thread) once a linearizable read may be
  // served from the local state machine: its applied index reached the
  // range's ReadIndex. One round per range is in flight at a time; reads
  // arriving meanwhile share the next one; an unanswered round is asked
  // again every 500 ms (a message may have been lost).
  // Errors: kUnavailable (no leader within leader_wait, or leadership
  // changed mid-round).
  void read_index(raft::RangeId range, ReadCallback done);
  std::future<ReadResult> read_index(raft::RangeId range);
  // Messages received from peers.
  void deliver(std::vector<raft::Message> messages);
  // A proposal a follower forwarded to this node (see Transport::forward).
  void deliver_forwarded(raft::RangeId range, std::string proposal);
  // The transport's verdict on a snapshot message it was asked to send.
  void report_snapshot(raft::RangeId range, raft::NodeId to, bool success);
  // The image of a kSnapshot message this node's raft sent, for the
  // transport to stream; the image is released when the reader is
  // destroyed. nullptr when the message carries its image whole. Errors:
  // kNotFound when the image was released (sent before, or expired).
  Result<std::unique_ptr<SnapshotReader>> open_snapshot(const raft::Message& m);
  // A writer staging an image arriving for `range` at md (the range's
  // StateMachine::receive_snapshot); nullptr when the state machine takes
  // images whole. Errors: kNotFound for a range not hosted here; the state
  // machine's.
  Result<std::unique_ptr<SnapshotWriter>> receive_snapshot(raft::RangeId range,
                                                           const raft::SnapshotMetadata& md);
  // The transport could not reach `to`.
  void report_unreachable(raft::RangeId range, raft::NodeId to);

  // Snapshot of a replica's raft status (for headers, /metrics, tests).
  Result<raft::RaftStatus> status(raft::RangeId range) const;

 private:
  using Clock = std::chrono::steady_clock;
  // Work for the raft loop thread; `cancelled` means the node stopped first
  // and the task must only report that.
  using LoopTask = std::function<void(bool cancelled)>;
  struct Proposal {
    uint64_t id;
    std::string command;
    std::optional<raft::ConfChange> conf_change;  // Set for membership changes.
    ApplyCallback done;
    Clock::time_point leader_deadline{};  // Set once it waits for a leader.
  };
  struct ParkedRead {
    ReadCallback done;
    Clock::time_point leader_deadline;
  };
  struct PendingProposal {
    ApplyCallback done;
    Clock::time_point deadline;
    raft::Index index;          // Zero when forwarded (the leader picks the index).
    raft::NodeId forwarded_to;  // The leader (and its term) it was forwarded to.
    raft::Term forwarded_term;
  };
  struct Replica {
    raft::RangeId range;
    StateMachine* state_machine = nullptr;
    std::unique_ptr<RangeLogStore> log;
    std::unique_ptr<raft::Raft> raft;
    // This node's proposals awaiting their apply, by proposal id, and the
    // log index of those proposed here (to notice when one is overwritten).
    std::map<uint64_t, PendingProposal> proposals;
    std::map<raft::Index, uint64_t> proposal_at_index;
    // Reads waiting for a read index (by ctx), then for the apply.
    // A ReadIndex round in flight: who waits, and when to give up (the
    // request or its answer may be lost).
    struct ReadRound {
      std::vector<ReadCallback> waiting;
      Clock::time_point deadline;
      Clock::time_point resend_at;  // When to ask again (a message may be lost).
      raft::NodeId leader;          // The leadership (leader, term) that serves it.
      raft::Term term;
    };
    std::map<std::string, ReadRound> reads_by_ctx;
    // Reads that arrived while a round was in flight: they share the next
    // round, so a busy replica runs one round per round trip, not one per
    // loop iteration.
    std::vector<ReadCallback> reads_for_next_round;
    std::multimap<raft::Index, ReadCallback> reads_by_index;
    // Requests that arrived while no leader was known (see leader_wait).
    std::vector<Proposal> proposals_awaiting_leader;
    std::vector<ParkedRead> reads_awaiting_leader;
    raft::ConfState conf_state;
    raft::Index applied;
  };
  struct Report {
    raft::RangeId range;
    raft::NodeId to;
    bool snapshot = false;
    bool success = false;
  };
  struct Inbox {
    std::vector<raft::Message> messages;
    std::map<raft::RangeId, std::vector<Proposal>> proposals;
    std::map<raft::RangeId, std::vector<std::string>> forwarded;
    std::map<raft::RangeId, std::vector<ReadCallback>> reads;
    std::vector<Report> reports;
    std::vector<LoopTask> tasks;
  };

  void run();
  void step_inbox(Inbox inbox);
  bool handle_readies();
  void warn_slow_log_write(Clock::duration took);
  void install_snapshot(Replica* r, const raft::Ready& rd);
  void apply_committed(Replica* r, const std::vector<raft::Entry>& entries);
  void maybe_compact_log(Replica* r);
  Result<raft::Snapshot> make_snapshot(const Replica* r) const;
  void enqueue_proposal(raft::RangeId range, Proposal p);
  void run_on_loop(LoopTask task);
  void propose_or_forward(Replica* r, Proposal p);
  // Queues `reads` for the range's next ReadIndex round, starting it now
  // unless one is in flight.
  void start_read_round(Replica* r, std::vector<ReadCallback> reads);
  // Starts the round of the reads queued behind one that just ended.
  void start_queued_read_round(Replica* r);
  // Hands parked requests to ranges that have a leader again.
  void dispatch_awaiting_leader();
  void propose_forwarded(Replica* r, std::string_view payload);
  void apply_conf_change_entry(Replica* r, const raft::Entry& e, storage::WriteBatch* pending,
                               std::vector<std::pair<uint64_t, ApplyResult>>* results);
  void finish_proposal(Replica* r, uint64_t id, ApplyResult result);
  void expire_proposals(Clock::time_point now);
  void fail_forwarded_proposals(Replica* r);
  void fail_all(Status status);
  Replica* find(raft::RangeId range);

  const NodeOptions options_;
  const std::chrono::milliseconds leader_wait_;
  storage::Engine* const engine_;
  Transport* const transport_;
  std::map<raft::RangeId, std::unique_ptr<Replica>> replicas_;
  // Images of streamed snapshots this node's raft handed out.
  const std::unique_ptr<SnapshotImages> snapshot_images_;

  mutable std::mutex mu_;  // Guards inbox_, stopping_ and the status cache.
  std::condition_variable wake_;
  Inbox inbox_;
  bool stopping_ = false;
  std::map<raft::RangeId, raft::RaftStatus> status_cache_;
  // Ranges with a ReadIndex round in flight, as of the loop's last
  // iteration: a read for one of them joins the next round, which the
  // loop starts when the answer wakes it, so read_index need not wake it.
  std::set<raft::RangeId> read_rounds_in_flight_;

  std::atomic<uint64_t> next_proposal_id_{1};
  uint64_t next_read_ctx_ = 1;
  Clock::time_point last_slow_write_warning_{};
  uint64_t slow_writes_since_warning_ = 0;
  std::thread loop_;
};

}  // namespace strata::node

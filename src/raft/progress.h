// The leader's view of one follower's log (raft thesis 3.5 and etcd's flow
// control): what is known to match, what to send next, and how many append
// messages may be in flight.
#pragma once

#include <cstdint>
#include <deque>

#include "raft/raft.h"
#include "raft/types.h"

namespace strata::raft {

// A bounded window of append messages sent but not yet acknowledged, each
// remembered by its last entry index.
class Inflights {
 public:
  explicit Inflights(int capacity) : capacity_(capacity) {}

  // REQUIRES: !full(); indexes are added in increasing order.
  void add(Index last_index);
  // Frees every in-flight message whose last index is <= index.
  void free_le(Index index);
  void free_first_one();
  bool full() const { return static_cast<int>(window_.size()) >= capacity_; }
  int count() const { return static_cast<int>(window_.size()); }
  void reset() { window_.clear(); }

 private:
  int capacity_;
  std::deque<Index> window_;
};

class Progress {
 public:
  Progress(Index match_index, Index next_index, int max_inflight, bool learner)
      : match(match_index), next(next_index), is_learner(learner), inflights(max_inflight) {}

  // Invariant: match < next.
  Index match;
  Index next;
  ProgressState state = ProgressState::kProbe;
  // In kSnapshot: the index of the snapshot being sent.
  Index pending_snapshot;
  // Heard from within the current election timeout (for check-quorum).
  bool recent_active = false;
  // In kProbe: one append is outstanding; wait for its answer or a heartbeat.
  bool probe_sent = false;
  bool is_learner = false;
  Inflights inflights;

  void become_probe();
  void become_replicate();
  void become_snapshot(Index snapshot_index);

  // Records an acknowledgement of entries up to n. Returns true if match grew.
  bool maybe_update(Index n);
  // Handles a rejection of the append at `rejected`; `match_hint` is the
  // follower's estimate of the last index that might match. Returns false if
  // the rejection is stale.
  bool maybe_decrease_to(Index rejected, Index match_hint);
  // Accounts for an append carrying `count` entries ending at last_index.
  void sent_entries(uint64_t count, Index last_index);
  // True when nothing more should be sent until an acknowledgement arrives.
  bool is_paused() const;

 private:
  void reset_state(ProgressState s);
};

}  // namespace strata::raft

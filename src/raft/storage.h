// The log storage the Raft core reads from, and an in-memory implementation.
//
// The core never writes to storage: the application persists what a Ready
// hands it (entries, hard state, snapshot) and then calls RawNode::advance.
// LogStorage is the read side of that durable log.
#pragma once

#include <mutex>
#include <vector>

#include "base/status.h"
#include "raft/types.h"

namespace strata::raft {

struct InitialState {
  HardState hard_state;
  ConfState conf_state;
};

// Read-only view of the durable log. Entries cover [first_index(), last_index()];
// everything before first_index() is covered by the latest snapshot, whose
// index is first_index() - 1 and whose term term(first_index() - 1) returns.
//
// Errors: kCompacted when asked for an index below first_index() - 1 (or below
// first_index() for entries); kUnavailable when asked past last_index();
// snapshot() may return kUnavailable when a snapshot is being prepared (the
// core will retry later).
class LogStorage {
 public:
  virtual ~LogStorage() = default;

  // Hard state and membership as of the last persisted state.
  virtual Result<InitialState> initial_state() const = 0;
  // Entries in [lo, hi), truncated to at most max_bytes but never fewer than one
  // entry when lo < hi. REQUIRES: lo <= hi.
  virtual Result<std::vector<Entry>> entries(Index lo, Index hi, uint64_t max_bytes) const = 0;
  // Term of the entry at i, for i in [first_index() - 1, last_index()].
  virtual Result<Term> term(Index i) const = 0;
  virtual Index first_index() const = 0;
  virtual Index last_index() const = 0;
  // The most recent snapshot.
  virtual Result<Snapshot> snapshot() const = 0;
};

// In-memory LogStorage that also takes the writes the application makes while
// handling a Ready. Thread-safe: a mutex guards all state.
class MemoryStorage final : public LogStorage {
 public:
  MemoryStorage();

  Result<InitialState> initial_state() const override;
  Result<std::vector<Entry>> entries(Index lo, Index hi, uint64_t max_bytes) const override;
  Result<Term> term(Index i) const override;
  Index first_index() const override;
  Index last_index() const override;
  Result<Snapshot> snapshot() const override;

  void set_hard_state(const HardState& hs);
  // Appends entries, replacing any existing suffix they conflict with. Entries
  // already compacted are ignored. REQUIRES: no gap after last_index().
  void append(const std::vector<Entry>& entries);
  // Replaces the whole log with the snapshot. Returns kFailedPrecondition
  // (and changes nothing) if the snapshot is older than the current one.
  Status apply_snapshot(const Snapshot& snap);
  // Records a snapshot of the state machine as of applied index i.
  // Returns kFailedPrecondition if i is not newer than the current snapshot.
  // REQUIRES: i <= last_index().
  Result<Snapshot> create_snapshot(Index i, const ConfState& cs, std::string data);
  // Drops entries up to and including `compact_index`. Returns kCompacted if
  // that was already done. REQUIRES: compact_index <= last_index().
  Status compact(Index compact_index);
  // Sets the membership reported by initial_state() (for bootstrapping).
  void set_conf_state(const ConfState& cs);

 private:
  Index first_index_locked() const;
  Index last_index_locked() const;

  mutable std::mutex mu_;
  HardState hard_state_;
  Snapshot snapshot_;
  // ents_[0] is a dummy whose index/term are the snapshot's.
  std::vector<Entry> ents_;
};

}  // namespace strata::raft

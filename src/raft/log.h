// The replica's view of the log: durable entries in LogStorage followed by
// unstable entries (and possibly a snapshot) not yet persisted.
#pragma once

#include <optional>
#include <utility>
#include <vector>

#include "base/status.h"
#include "raft/storage.h"
#include "raft/types.h"

namespace strata::raft {

// Entries and a snapshot received but not yet persisted. entries[i] has
// index offset + i.
class Unstable {
 public:
  std::optional<Snapshot> snapshot;
  std::vector<Entry> entries;
  Index offset;

  std::optional<Index> maybe_first_index() const;
  std::optional<Index> maybe_last_index() const;
  std::optional<Term> maybe_term(Index i) const;
  // The entries up to (i, t) were persisted.
  void stable_to(Index i, Term t);
  void stable_snapshot_to(Index i);
  void restore(const Snapshot& s);
  // Appends, truncating any conflicting suffix.
  void truncate_and_append(const std::vector<Entry>& ents);
  // Entries in [lo, hi). REQUIRES: offset <= lo <= hi <= offset + entries.size().
  std::vector<Entry> slice(Index lo, Index hi) const;
};

class RaftLog {
 public:
  RaftLog(const LogStorage* storage, uint64_t max_committed_bytes);

  // Last index durable on this node (excludes unstable entries).
  Index persisted_last_index() const;
  Index first_index() const;
  Index last_index() const;
  Term last_term() const;
  // Term at i; kCompacted below the first retained index, kUnavailable past the end.
  Result<Term> term(Index i) const;
  Term term_or_zero(Index i) const;
  bool match_term(Index i, Term t) const;
  // Candidate's log (last_index, last_term) is at least as up-to-date as ours (5.4.1).
  bool is_up_to_date(Index last, Term t) const;

  // Appends entries that follow (index, log_term) if our log matches there.
  // Returns the index of the last new entry, or nullopt on mismatch. Commits
  // up to min(commit, last new index).
  std::optional<Index> maybe_append(Index index, Term log_term, Index commit,
                                    const std::vector<Entry>& ents);
  // Appends at the end (leader). Returns the new last index.
  Index append(const std::vector<Entry>& ents);
  // The first entry in `ents` that conflicts with (or is missing from) the log.
  Index find_conflict(const std::vector<Entry>& ents) const;
  // Largest (index, term) with index <= i and term <= t, for fast back-off.
  std::pair<Index, Term> find_conflict_by_term(Index i, Term t) const;

  // Entries from i on, at most max_bytes (but at least one if any).
  Result<std::vector<Entry>> entries_from(Index i, uint64_t max_bytes) const;
  Result<std::vector<Entry>> slice(Index lo, Index hi, uint64_t max_bytes) const;

  const std::vector<Entry>& unstable_entries() const { return unstable_.entries; }
  const std::optional<Snapshot>& unstable_snapshot() const { return unstable_.snapshot; }
  bool has_next_committed_entries() const;
  std::vector<Entry> next_committed_entries() const;
  Result<Snapshot> snapshot() const;

  Index committed() const { return committed_; }
  Index applied() const { return applied_; }
  void commit_to(Index i);
  void applied_to(Index i);
  void stable_to(Index i, Term t) { unstable_.stable_to(i, t); }
  void stable_snapshot_to(Index i) { unstable_.stable_snapshot_to(i); }
  // Replaces the log with a snapshot (persisted through the next Ready).
  void restore(const Snapshot& s);
  // True if committed entries in (applied, committed] include a conf change.
  bool has_unapplied_conf_change() const;
  void set_applied_on_restart(Index applied) { applied_ = applied; }

 private:
  // Reads entries in [lo, hi) from storage then unstable.
  Result<std::vector<Entry>> slice_unbounded(Index lo, Index hi, uint64_t max_bytes) const;
  Status check_bounds(Index lo, Index hi) const;

  const LogStorage* storage_;
  Unstable unstable_;
  Index committed_;
  Index applied_;
  uint64_t max_committed_bytes_;
};

}  // namespace strata::raft

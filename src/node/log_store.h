// RangeLogStore: the durable Raft log of one range, kept in the node's
// storage::Engine (column families raft_log and raft_state).
//
// Reads are served from an in-memory mirror of the on-disk log (a
// raft::MemoryStorage), so the raft core never waits on the disk. Writes are
// staged into a caller-owned WriteBatch; the raft loop stages every range's
// entries and hard state into one batch, writes it with sync (group commit),
// and only then calls the matching *_persisted method to update the mirror.
//
// On-disk layout (see docs/architecture.md):
//   raft_log   RaftLogKey(range, index)  -> EncodeEntry(entry)
//   raft_state HardStateKey(range)       -> term | vote | commit   (3 x u64 LE)
//   raft_state TruncatedStateKey(range)  -> index | term           (2 x u64 LE)
// The truncated state is the (index, term) just before the first retained
// entry: the last entry covered by a snapshot.
//
// Thread-safety: reads (the LogStorage interface) are thread-safe; staging
// and *_persisted calls must come from one thread (the raft loop).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "raft/storage.h"
#include "storage/engine.h"

namespace strata::node {

// Codec of one entry's value in raft_log: type (1 byte), term (8 bytes LE), data.
std::string EncodeEntry(const raft::Entry& e);
// Errors: kCorruption for a value too short or with an unknown type.
Result<raft::Entry> DecodeEntry(raft::Index index, std::string_view value);

class RangeLogStore final : public raft::LogStorage {
 public:
  // Supplies a snapshot of the state machine as it is now: applied index, its
  // term, membership, and the serialized state.
  using SnapshotSource = std::function<Result<raft::Snapshot>()>;

  // Loads range's log and hard state from engine. `conf_state` is the
  // membership as of the state machine's applied index (persisted by the
  // apply path). Errors: engine errors; kCorruption for undecodable records
  // or a log with holes.
  static Result<std::unique_ptr<RangeLogStore>> Open(storage::Engine* engine, raft::RangeId range,
                                                     raft::ConfState conf_state,
                                                     SnapshotSource snapshot_source);

  // raft::LogStorage.
  Result<raft::InitialState> initial_state() const override;
  Result<std::vector<raft::Entry>> entries(raft::Index lo, raft::Index hi,
                                           uint64_t max_bytes) const override;
  Result<raft::Term> term(raft::Index i) const override;
  raft::Index first_index() const override;
  raft::Index last_index() const override;
  Result<raft::Snapshot> snapshot() const override;

  // Stages entries (replacing any conflicting suffix on disk) into batch.
  // REQUIRES: entries are contiguous and start at or before last_index() + 1.
  void stage_entries(const std::vector<raft::Entry>& entries, storage::WriteBatch* batch) const;
  void entries_persisted(const std::vector<raft::Entry>& entries);

  void stage_hard_state(const raft::HardState& hs, storage::WriteBatch* batch) const;
  void hard_state_persisted(const raft::HardState& hs);

  // Stages the replacement of the whole log by a snapshot's position.
  void stage_snapshot(const raft::SnapshotMetadata& md, storage::WriteBatch* batch) const;
  void snapshot_persisted(const raft::SnapshotMetadata& md);

  // Stages dropping entries up to and including `index`. Returns kCompacted
  // if already dropped. REQUIRES: index <= last_index().
  Status stage_compaction(raft::Index index, storage::WriteBatch* batch) const;
  void compaction_persisted(raft::Index index);

  // Updates the membership reported by initial_state (after applying a
  // configuration change).
  void set_conf_state(const raft::ConfState& cs) { mirror_.set_conf_state(cs); }

  // Key of the truncated state in cf raft_state.
  static std::string TruncatedStateKey(raft::RangeId range);

 private:
  RangeLogStore(storage::Engine* engine, raft::RangeId range, SnapshotSource source)
      : engine_(engine), range_(range), snapshot_source_(std::move(source)) {}
  Status load(const raft::ConfState& conf_state);

  storage::Engine* engine_;
  raft::RangeId range_;
  SnapshotSource snapshot_source_;
  raft::MemoryStorage mirror_;
};

}  // namespace strata::node

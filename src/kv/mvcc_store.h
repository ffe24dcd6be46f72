// MvccStore: etcd v3 MVCC semantics over a storage::Engine.
//
// The store keeps every version of every key, each tagged with the revision
// of the write transaction that made it, until Compact drops old history.
// Revisions start at 1 (an empty store, as in etcd); each write transaction
// that changes something takes the next main revision. Reads may ask for
// any revision between the compacted and the current one.
//
// Data lives in column family mvcc; the current and compacted revisions in
// column family meta (layout: src/kv/README.md). A transaction's changes
// and its revision bump go into one WriteBatch, so a crash leaves either all
// of a transaction or none of it. Applying the same transactions in the
// same order yields the same bytes on every replica: nothing reads a clock
// or a random source.
//
// Thread-safety: MvccStore is safe for concurrent use. Reads (Range,
// HashByRev, ...) run concurrently with each other, with the one open
// WriteTxn and with CompactStep, each on a consistent engine view. At most
// one WriteTxn may be open at a time (the apply loop); a WriteTxn itself is
// not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "kv/latest_cache.h"
#include "kv/types.h"
#include "storage/engine.h"
#include "storage/write_batch.h"

namespace strata::kv {

class ReadTxn;
class WriteTxn;
struct StagedState;

struct MvccOptions {
  // Memory for the newest versions of recently written keys, which spares
  // a put the seek for the version it replaces (kv/latest_cache.h); 0: none.
  size_t latest_cache_bytes = size_t{64} << 20;
};

class MvccStore {
 public:
  // Opens the store kept in engine, restoring its revisions. engine is not
  // owned and must outlive the store. Errors: engine errors; kCorruption if
  // the stored revisions are malformed or inconsistent.
  static Result<std::unique_ptr<MvccStore>> Open(storage::Engine* engine, MvccOptions options = {});
  ~MvccStore();
  MvccStore(const MvccStore&) = delete;
  MvccStore& operator=(const MvccStore&) = delete;

  // The engine the store keeps its data in (for kv state kept beside it).
  const storage::Reader& reader() const { return *engine_; }

  // How the latest-version cache (MvccOptions) is doing. Safe from any thread.
  LatestCache::Stats latest_cache_stats() const { return latest_.stats(); }

  // Revision of the latest committed write transaction (1 when empty).
  int64_t CurrentRevision() const;
  // Revision of the latest compaction (0 when never compacted). Reads below
  // it fail; reads at it succeed.
  int64_t CompactedRevision() const;

  // The keys in [key, range_end) as of options.revision, with etcd's
  // range_end conventions: empty = just key; "\0" = every key >= key; key
  // and range_end both "\0" = every key; range_end <= key = no key.
  // Errors: CompactedError(), FutureRevisionError() (see errors.h); engine
  // errors. Cost: proportional to the keys in the range (count needs all).
  Result<RangeResult> Range(std::string_view key, std::string_view range_end,
                            const RangeOptions& options = {}) const;

  // The changes to keys in [key, range_end) (conventions as Range) with main
  // revision in [start_revision, end_revision] (end_revision 0: the current
  // revision), oldest first, each with its prev_kv: what a watcher starting
  // at start_revision replays. EventsResult::revision is the last revision
  // covered: min(end_revision, current). Empty if start_revision is above it.
  // Errors: CompactedError() if start_revision < CompactedRevision() (as in
  // etcd, a watch may start at the compacted revision, but a delete at
  // exactly it, and prev_kv of changes at it, are gone); engine errors.
  // Cost: reads the range's history from start_revision on; holds the
  // events up to end_revision in memory (bound it to bound memory).
  Result<EventsResult> Events(std::string_view key, std::string_view range_end,
                              int64_t start_revision, int64_t end_revision = 0) const;

  // Starts a consistent read: every read through the ReadTxn sees the same
  // revisions and data, whatever commits meanwhile (a Range per call on the
  // store itself may see a newer revision each time). Errors: engine errors.
  Result<std::unique_ptr<ReadTxn>> BeginRead() const;

  // Starts the write transaction. Errors: engine errors.
  // REQUIRES: no other WriteTxn of this store is open.
  Result<std::unique_ptr<WriteTxn>> BeginWrite();

  // Starts a batch: the WriteTxns committed until CommitBatch() reach the
  // engine in ONE atomic write there, each reading the ones before it;
  // readers see none of them until then. Saves an engine write per
  // transaction when many apply together (a raft Ready's entries).
  // REQUIRES: no WriteTxn and no batch open; not on a store mid-InstallState.
  void BeginBatch();
  // Writes the batch's transactions (with sync: durably) and publishes
  // their revisions. Errors: engine errors (nothing was written; fatal to
  // the caller, as for WriteTxn::Commit). REQUIRES: a batch is open and no
  // WriteTxn.
  Status CommitBatch(bool sync);
  bool batch_open() const { return batch_ != nullptr; }

  // etcd's HashKV: CRC-32C over every history entry (history key bytes and
  // record bytes, each prefixed by its 4-byte big-endian length, in key
  // order) with main revision <= revision (0 = current), excluding entries
  // at or below the compacted revision that compaction drops. The result is
  // the same before and after physical compaction, and equal on stores that
  // applied the same transactions and compactions.
  // Errors: as for Range.
  Result<HashResult> HashByRev(int64_t revision) const;
  Result<HashResult> Hash() const { return HashByRev(0); }

  // Convenience for a standalone compaction: a transaction holding only
  // WriteTxn::Compact(revision), committed with sync, then CompactStep until
  // done. Errors: as for WriteTxn::Compact and Commit.
  // REQUIRES: no WriteTxn is open.
  Status Compact(int64_t revision);

  // Does up to max_entries entries' worth of physical compaction (deleting
  // history the latest Compact made unreadable) in one engine write, and
  // returns whether none is left. Resumes after restarts. Safe to run on a
  // background thread while transactions commit; calls serialize.
  // Errors: engine errors (retry later). REQUIRES: max_entries > 0.
  Result<bool> CompactStep(size_t max_entries);

  // True while a committed compaction still has history to drop.
  bool CompactionPending() const;

  // ---- Snapshots (kv/state_transfer.h) ----

  // A consistent view of the whole kv state as of now, for a StateReader to
  // stream: cheap to take (an engine view), it pins old data while held.
  // REQUIRES: every copy is destroyed before the engine. Errors: engine errors.
  Result<std::shared_ptr<const storage::ReadView>> CaptureState() const;

  // Replaces the whole kv state with `staged` (StateStager::Finish over this
  // store's engine) in one atomic, crash-safe step (Engine::IngestTables):
  // removes every entry of column family mvcc and every KvMetaKey() entry,
  // adds the staged entries, writes extra_writes; then reloads the
  // revisions. A compaction pass in progress restarts; readers wait for the
  // switch. staged.dir is removed on success and kept on failure (reopening
  // the engine finishes an install that got past its first write).
  // Errors: engine errors (fatal to the replica).
  // REQUIRES: no WriteTxn open; extra_writes do not touch column family mvcc
  // or KvMetaKey() keys.
  Status InstallState(const StagedState& staged, const storage::WriteBatch& extra_writes);

  // The whole kv state as one string: StateReader over CaptureState().
  // Errors: engine errors. Cost: the whole state, held in memory (tests and
  // small states; raft snapshots stream instead).
  Result<std::string> ExportState() const;

  // Replaces the whole kv state with `data` (from ExportState): stages it
  // (StateStager, every check included) and installs it (InstallState).
  // Errors: kCorruption if data is malformed (bad checksum, truncated, bad
  // keys, records or revisions): nothing outside the staging area is
  // written; engine errors. REQUIRES: as InstallState.
  Status ImportState(std::string_view data, const storage::WriteBatch& extra_writes);

 private:
  friend class WriteTxn;
  // Where a physical compaction pass stopped.
  struct CompactionCursor {
    int64_t target = 0;         // The revision this pass compacts to.
    std::string next_key;       // History key to resume at.
    std::string key_prefix;     // Key whose versions were being examined.
    bool kept_decided = false;  // That key's kept version is behind us.
  };

  MvccStore(storage::Engine* engine, const MvccOptions& options);
  // Called by a WriteTxn when it ends; applies its effects on success.
  void FinishWrite(bool committed, int64_t new_revision, int64_t new_compacted);
  // The state a read needs, captured atomically.
  struct Snapshot {
    int64_t current;
    int64_t compacted;
    std::unique_ptr<storage::ReadView> view;
  };
  Result<Snapshot> TakeSnapshot() const;

  storage::Engine* const engine_;

  // The open batch (BeginBatch); only the writing thread touches it.
  struct Batch;
  std::unique_ptr<Batch> batch_;
  // A committed WriteTxn's writes, for CommitBatch. REQUIRES: batch_open().
  void AddToBatch(const storage::WriteBatch& writes);
  // Kept by the writing thread: WriteTxn records each commit (in a batch,
  // before CommitBatch writes it), and every other change clears it.
  LatestCache latest_;

  // Guards the members below it.
  mutable std::mutex mu_;
  int64_t current_revision_ = 1;
  int64_t compacted_revision_ = 0;
  int64_t compact_finished_revision_ = 0;
  bool write_open_ = false;

  // Serializes CompactStep; guards the cursor.
  std::mutex compact_mu_;
  CompactionCursor compaction_;
};

// A consistent read-only view of the store (see MvccStore::BeginRead). It
// pins engine data (see storage::ReadView), so keep it short-lived.
// Thread-safety: not thread-safe; use from one thread at a time.
class ReadTxn {
 public:
  // The store's current and compacted revisions as of BeginRead.
  int64_t current_revision() const { return current_; }
  int64_t compacted_revision() const { return compacted_; }

  // As MvccStore::Range, at this view.
  Result<RangeResult> Range(std::string_view key, std::string_view range_end,
                            const RangeOptions& options = {}) const;

 private:
  friend class MvccStore;
  ReadTxn(int64_t current, int64_t compacted, std::unique_ptr<storage::ReadView> view);

  const int64_t current_;
  const int64_t compacted_;
  std::unique_ptr<storage::ReadView> view_;
};

// A write transaction: its changes share one main revision (sub revisions
// 0, 1, 2... in order) and reach the engine in one atomic batch on Commit.
// Reads through it see its own earlier changes. Destroying it without
// Commit discards everything. A transaction that changes no key does not
// take a new revision (etcd's rule; a read-only txn or a delete of nothing).
//
// Thread-safety: not thread-safe. REQUIRES: no method after Commit().
class WriteTxn {
 public:
  // History key -> record (kv/history_cursor.h's PendingHistory).
  using StagedHistory = std::map<std::string, std::string, std::less<>>;

  ~WriteTxn();
  WriteTxn(const WriteTxn&) = delete;
  WriteTxn& operator=(const WriteTxn&) = delete;

  // The main revision this transaction's changes get.
  int64_t revision() const { return begin_revision_ + 1; }
  // The revision reads through this transaction see as current: revision()
  // once something changed, the store's revision before that.
  int64_t current_revision() const;

  // As MvccStore::Range, but including this transaction's changes.
  Result<RangeResult> Range(std::string_view key, std::string_view range_end,
                            const RangeOptions& options = {}) const;

  // Sets key to value with lease (0 = none) and returns the previous
  // key-value, if any. Errors: kInvalidArgument for an empty key; engine
  // errors. On error nothing is staged.
  Result<std::optional<KeyValue>> Put(std::string_view key, std::string_view value,
                                      int64_t lease = 0);

  // Deletes the keys in [key, range_end) (conventions as Range), writing a
  // tombstone for each. It is not an error if no key matches. Errors: engine
  // errors. On error nothing is staged.
  Result<DeleteResult> DeleteRange(std::string_view key, std::string_view range_end);

  // Makes revisions below `revision` unreadable once this commits, and lets
  // CompactStep drop their history. Errors: CompactedError() if revision <=
  // the compacted revision (including one staged here), FutureRevisionError()
  // if above the store's revision before this transaction.
  Status Compact(int64_t revision);

  // The batch that Commit writes. Callers may add their own entries (e.g.
  // the raft applied index) so that they commit atomically with the
  // transaction. REQUIRES: added entries do not touch column family mvcc or
  // KvMetaKey() keys.
  storage::WriteBatch* batch() { return &batch_; }

  // The changes made so far, in sub-revision order (for watchers).
  const std::vector<Event>& events() const { return events_; }

  // Writes the batch (with sync: durably) and publishes the new revision to
  // readers. Writes even when nothing changed if the caller added entries.
  // Errors: engine errors; then nothing was applied, and the caller should
  // stop applying (the engine may refuse writes from now on).
  Status Commit(bool sync);

 private:
  friend class MvccStore;
  // Reads through view, merged with staged (own_view_ and own_staged_
  // outside a batch, the batch's inside one).
  WriteTxn(MvccStore* store, int64_t begin_revision, int64_t compacted_revision,
           std::unique_ptr<storage::ReadView> own_view, const storage::ReadView* view,
           StagedHistory* staged);
  // Stages one history entry of this transaction. The caller records its
  // event right after: the abort path finds the entries from events_.
  void Stage(std::string_view user_key, std::string record);
  // The newest visible version of key including staged changes, if any.
  Result<std::optional<KeyValue>> Latest(std::string_view key) const;

  MvccStore* store_;
  const int64_t begin_revision_;
  const int64_t compacted_revision_;
  std::unique_ptr<storage::ReadView> own_view_;
  const storage::ReadView* view_;
  int64_t next_sub_ = 0;
  std::optional<int64_t> compact_to_;
  // History key -> record of every staged change; reads merge it in. In a
  // batch it is shared, and an abort takes its own out again.
  StagedHistory own_staged_;
  StagedHistory* const staged_;
  storage::WriteBatch batch_;
  std::vector<Event> events_;
  bool done_ = false;
};

}  // namespace strata::kv

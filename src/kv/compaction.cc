// Physical compaction: dropping the history that a committed Compact made
// unreadable. For each key, the newest version at or below the target is
// kept unless it is a tombstone; every older version goes.
//
// Versions of a key are stored newest first, so one forward pass sees, per
// key: versions above the target (skipped with one seek), then the version
// to keep (or the tombstone to drop), then only versions to drop. Nothing
// this pass deletes is visible to a read at or above the target, so it can
// run alongside reads and writes.
#include "kv/history_cursor.h"
#include "kv/history_key.h"
#include "kv/mvcc_store.h"
#include "kv/record.h"
#include "kv/revision_meta.h"

namespace strata::kv {

bool MvccStore::CompactionPending() const {
  std::lock_guard lock(mu_);
  return compact_finished_revision_ < compacted_revision_;
}

Result<bool> MvccStore::CompactStep(size_t max_entries) {
  STRATA_ASSERT(max_entries > 0);
  std::lock_guard compact_lock(compact_mu_);
  int64_t target;
  std::unique_ptr<storage::ReadView> view;
  {
    std::lock_guard lock(mu_);
    if (compact_finished_revision_ >= compacted_revision_) return true;
    target = compacted_revision_;
    auto made = engine_->NewReadView();
    STRATA_RETURN_IF_ERROR(made.status());
    view = std::move(made).value();
  }
  if (compaction_.target != target) {
    // A new (or first, or post-restart) pass. Restarting from the beginning
    // is always correct: compaction is idempotent.
    compaction_ = CompactionCursor{target, "", "", false};
  }

  Result<HistoryCursor> opened = HistoryCursor::Open(*view, nullptr, "", "");
  STRATA_RETURN_IF_ERROR(opened.status());
  HistoryCursor& cursor = *opened;
  storage::WriteBatch batch;
  size_t visited = 0;
  CompactionCursor& state = compaction_;
  CompactionCursor next = state;
  cursor.Seek(state.next_key);
  while (cursor.Valid()) {
    if (visited >= max_entries) {
      next.next_key = std::string(cursor.key());
      break;
    }
    ++visited;
    Result<ParsedHistoryKey> parsed = ParseHistoryKey(cursor.key());
    STRATA_RETURN_IF_ERROR(parsed.status());
    if (parsed->prefix != next.key_prefix) {
      next.key_prefix = std::string(parsed->prefix);
      next.kept_decided = false;
    }
    if (next.kept_decided) {
      batch.Delete(storage::ColumnFamily::kMvcc, cursor.key());
      cursor.Next();
      continue;
    }
    if (parsed->revision.main > target) {
      cursor.Seek(SeekAtOrBelow(next.key_prefix, target));
      continue;
    }
    // The newest version at or below the target: kept unless a tombstone.
    Result<Record> record = DecodeRecord(cursor.value());
    STRATA_RETURN_IF_ERROR(record.status());
    if (record->tombstone) batch.Delete(storage::ColumnFamily::kMvcc, cursor.key());
    next.kept_decided = true;
    cursor.Next();
  }
  STRATA_RETURN_IF_ERROR(cursor.status());
  const bool pass_done = !cursor.Valid();
  if (pass_done) PutCompactFinishedRevision(&batch, target);
  view.reset();  // Before writing; see WriteTxn::Commit.

  // Unsynced: a lost compaction write is redone by the next pass.
  STRATA_RETURN_IF_ERROR(engine_->Write(batch, /*sync=*/false));
  state = next;
  if (!pass_done) return false;
  std::lock_guard lock(mu_);
  compact_finished_revision_ = target;
  return compact_finished_revision_ >= compacted_revision_;
}

}  // namespace strata::kv

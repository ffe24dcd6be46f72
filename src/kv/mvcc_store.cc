#include "kv/mvcc_store.h"

#include "kv/history_cursor.h"
#include "kv/history_scan.h"
#include "kv/revision_meta.h"

namespace strata::kv {

Result<std::unique_ptr<MvccStore>> MvccStore::Open(storage::Engine* engine, MvccOptions options) {
  STRATA_ASSERT(engine != nullptr);
  Result<StoredRevisions> stored = LoadRevisions(*engine);
  STRATA_RETURN_IF_ERROR(stored.status());
  std::unique_ptr<MvccStore> store(new MvccStore(engine, options));
  store->current_revision_ = stored->current;
  store->compacted_revision_ = stored->compacted;
  store->compact_finished_revision_ = stored->compact_finished;
  return store;
}

MvccStore::MvccStore(storage::Engine* engine, const MvccOptions& options)
    : engine_(engine), latest_(options.latest_cache_bytes) {}

MvccStore::~MvccStore() {
  std::lock_guard lock(mu_);
  STRATA_ASSERT_MSG(!write_open_, "MvccStore destroyed with a WriteTxn open");
  STRATA_ASSERT_MSG(batch_ == nullptr, "MvccStore destroyed with a batch open");
}

int64_t MvccStore::CurrentRevision() const {
  std::lock_guard lock(mu_);
  return current_revision_;
}

int64_t MvccStore::CompactedRevision() const {
  std::lock_guard lock(mu_);
  return compacted_revision_;
}

Result<MvccStore::Snapshot> MvccStore::TakeSnapshot() const {
  // The view is taken under the lock, after the revisions: a commit writes
  // the engine before publishing its revision, so the view holds at least
  // everything up to `current`; newer entries are above it and ignored.
  std::lock_guard lock(mu_);
  auto view = engine_->NewReadView();
  STRATA_RETURN_IF_ERROR(view.status());
  return Snapshot{current_revision_, compacted_revision_, std::move(view).value()};
}

Result<RangeResult> MvccStore::Range(std::string_view key, std::string_view range_end,
                                     const RangeOptions& options) const {
  Result<Snapshot> snap = TakeSnapshot();
  STRATA_RETURN_IF_ERROR(snap.status());
  return ReadRange(*snap->view, nullptr, key, range_end, options, snap->current, snap->compacted);
}

struct MvccStore::Batch {
  storage::WriteBatch writes;
  PendingHistory staged;                    // What its transactions staged.
  std::unique_ptr<storage::ReadView> view;  // The engine as of BeginBatch.
  int64_t revision = 0;                     // As of its latest transaction.
  int64_t compacted = 0;
};

Result<std::unique_ptr<WriteTxn>> MvccStore::BeginWrite() {
  std::lock_guard lock(mu_);
  STRATA_ASSERT_MSG(!write_open_, "a WriteTxn is already open");
  if (batch_ != nullptr) {
    // Only the batch changes what its transactions read (the compactor
    // drops only history no write reads), so one view serves them all.
    if (batch_->view == nullptr) {
      auto view = engine_->NewReadView();
      STRATA_RETURN_IF_ERROR(view.status());
      batch_->view = std::move(view).value();
    }
    write_open_ = true;
    return std::unique_ptr<WriteTxn>(new WriteTxn(this, batch_->revision, batch_->compacted,
                                                  nullptr, batch_->view.get(), &batch_->staged));
  }
  auto view = engine_->NewReadView();
  STRATA_RETURN_IF_ERROR(view.status());
  write_open_ = true;
  const storage::ReadView* raw = view->get();
  return std::unique_ptr<WriteTxn>(new WriteTxn(this, current_revision_, compacted_revision_,
                                                std::move(view).value(), raw, nullptr));
}

void MvccStore::FinishWrite(bool committed, int64_t new_revision, int64_t new_compacted) {
  std::lock_guard lock(mu_);
  STRATA_ASSERT(write_open_);
  write_open_ = false;
  if (!committed) return;
  int64_t& revision = batch_ != nullptr ? batch_->revision : current_revision_;
  int64_t& compacted = batch_ != nullptr ? batch_->compacted : compacted_revision_;
  STRATA_ASSERT(new_revision >= revision && new_compacted >= compacted);
  revision = new_revision;
  compacted = new_compacted;
}

void MvccStore::BeginBatch() {
  std::lock_guard lock(mu_);
  STRATA_ASSERT_MSG(!write_open_ && batch_ == nullptr, "BeginBatch with a write or batch open");
  batch_ = std::make_unique<Batch>();
  batch_->revision = current_revision_;
  batch_->compacted = compacted_revision_;
}

void MvccStore::AddToBatch(const storage::WriteBatch& writes) { batch_->writes.Append(writes); }

Status MvccStore::CommitBatch(bool sync) {
  STRATA_ASSERT_MSG(batch_ != nullptr && !write_open_, "CommitBatch without a batch, or mid-write");
  std::unique_ptr<Batch> batch = std::move(batch_);
  // Release the view first, as WriteTxn::Commit does.
  batch->view.reset();
  Status written = batch->writes.empty() ? Status::Ok() : engine_->Write(batch->writes, sync);
  if (!written.ok()) {
    latest_.Clear();  // It holds the batch's changes.
    return written;
  }
  std::lock_guard lock(mu_);
  current_revision_ = batch->revision;
  compacted_revision_ = batch->compacted;
  return Status::Ok();
}

Status MvccStore::Compact(int64_t revision) {
  Result<std::unique_ptr<WriteTxn>> txn = BeginWrite();
  STRATA_RETURN_IF_ERROR(txn.status());
  STRATA_RETURN_IF_ERROR((*txn)->Compact(revision));
  STRATA_RETURN_IF_ERROR((*txn)->Commit(/*sync=*/true));
  constexpr size_t kEntriesPerStep = 1000;
  while (true) {
    Result<bool> done = CompactStep(kEntriesPerStep);
    STRATA_RETURN_IF_ERROR(done.status());
    if (*done) return Status::Ok();
  }
}

}  // namespace strata::kv

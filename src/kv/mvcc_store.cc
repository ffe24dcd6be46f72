#include "kv/mvcc_store.h"

#include "kv/history_scan.h"
#include "kv/revision_meta.h"

namespace strata::kv {

Result<std::unique_ptr<MvccStore>> MvccStore::Open(storage::Engine* engine) {
  STRATA_ASSERT(engine != nullptr);
  Result<StoredRevisions> stored = LoadRevisions(*engine);
  STRATA_RETURN_IF_ERROR(stored.status());
  std::unique_ptr<MvccStore> store(new MvccStore(engine));
  store->current_revision_ = stored->current;
  store->compacted_revision_ = stored->compacted;
  store->compact_finished_revision_ = stored->compact_finished;
  return store;
}

MvccStore::MvccStore(storage::Engine* engine) : engine_(engine) {}

MvccStore::~MvccStore() {
  std::lock_guard lock(mu_);
  STRATA_ASSERT_MSG(!write_open_, "MvccStore destroyed with a WriteTxn open");
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

Result<std::unique_ptr<WriteTxn>> MvccStore::BeginWrite() {
  std::lock_guard lock(mu_);
  STRATA_ASSERT_MSG(!write_open_, "a WriteTxn is already open");
  auto view = engine_->NewReadView();
  STRATA_RETURN_IF_ERROR(view.status());
  write_open_ = true;
  return std::unique_ptr<WriteTxn>(
      new WriteTxn(this, current_revision_, compacted_revision_, std::move(view).value()));
}

void MvccStore::FinishWrite(bool committed, int64_t new_revision, int64_t new_compacted) {
  std::lock_guard lock(mu_);
  STRATA_ASSERT(write_open_);
  write_open_ = false;
  if (!committed) return;
  STRATA_ASSERT(new_revision >= current_revision_ && new_compacted >= compacted_revision_);
  current_revision_ = new_revision;
  compacted_revision_ = new_compacted;
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

// The kv state as a stream (kv/state_transfer.h) and MvccStore's snapshot
// methods built on it: ExportState / ImportState (whole images) and
// CaptureState / InstallState (streamed, staged images).
#include "kv/state_transfer.h"

#include <map>

#include "kv/history_key.h"
#include "kv/mvcc_store.h"
#include "kv/record.h"
#include "kv/revision_meta.h"

namespace strata::kv {
namespace {

// History keys are escaped user keys, which may start with any number of
// 0xff bytes: no finite bound covers them all, so the clear is a range
// delete below kHighKeys plus a delete per key from there on (rare).
constexpr std::string_view kHighKeys = "\xff";

// Answers Get from a small map of meta entries (LoadRevisions over a staged
// stream's revision entries), and records which keys were asked for.
class MetaMapReader final : public storage::Reader {
 public:
  explicit MetaMapReader(std::map<std::string, std::string, std::less<>> meta)
      : meta_(std::move(meta)) {}
  Result<std::optional<std::string>> Get(storage::ColumnFamily cf,
                                         std::string_view key) const override {
    asked_.emplace_back(key);
    if (cf != storage::ColumnFamily::kMeta) return std::optional<std::string>();
    auto it = meta_.find(key);
    if (it == meta_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }
  Result<std::unique_ptr<storage::Iterator>> NewIterator(storage::ColumnFamily,
                                                         storage::IteratorOptions) const override {
    return Status::Internal("kv snapshot: iteration not supported");
  }
  const std::vector<std::string>& asked() const { return asked_; }

 private:
  std::map<std::string, std::string, std::less<>> meta_;
  mutable std::vector<std::string> asked_;
};

// The meta keys LoadRevisions reads: asked once of an empty reader, so that
// the stager keeps exactly those entries, whatever revision_meta adds later.
std::vector<std::string> RevisionKeys() {
  MetaMapReader probe({});
  (void)LoadRevisions(probe);
  return probe.asked();
}

}  // namespace

// ---- StateReader ----

StateReader::StateReader(std::shared_ptr<const storage::ReadView> view) : view_(std::move(view)) {}

Status StateReader::Fill(size_t max_bytes) {
  while (encoder_.buffered() < max_bytes && phase_ != Phase::kDone) {
    if (it_ == nullptr) {
      storage::IteratorOptions bounds;
      storage::ColumnFamily cf = storage::ColumnFamily::kMvcc;
      if (phase_ == Phase::kMeta) {
        cf = storage::ColumnFamily::kMeta;
        bounds = {KvMetaPrefix(), KvMetaPrefixEnd()};
      }
      auto it = view_->NewIterator(cf, std::move(bounds));
      STRATA_RETURN_IF_ERROR(it.status());
      it_ = std::move(*it);
      it_->SeekToFirst();
    }
    if (it_->Valid()) {
      encoder_.Add(
          phase_ == Phase::kMvcc ? storage::ColumnFamily::kMvcc : storage::ColumnFamily::kMeta,
          it_->key(), it_->value());
      it_->Next();
      continue;
    }
    STRATA_RETURN_IF_ERROR(it_->status());
    it_.reset();
    if (phase_ == Phase::kMvcc) {
      phase_ = Phase::kMeta;
    } else {
      phase_ = Phase::kDone;
      encoder_.Finish();
      view_.reset();  // Nothing more to read: let the engine drop old data.
    }
  }
  return Status::Ok();
}

Result<bool> StateReader::Read(size_t max_bytes, std::string* out) {
  STRATA_ASSERT(max_bytes > 0);
  STRATA_RETURN_IF_ERROR(Fill(max_bytes));
  max_buffered_ = std::max(max_buffered_, encoder_.buffered());
  size_t n = encoder_.Take(max_bytes, out);
  bytes_ += n;
  return n > 0;
}

// ---- StateStager ----

Result<std::unique_ptr<StateStager>> StateStager::Start(storage::Engine* engine,
                                                        StageOptions options) {
  auto dir = engine->CreateStagingDir();
  STRATA_RETURN_IF_ERROR(dir.status());
  return std::unique_ptr<StateStager>(new StateStager(engine, std::move(*dir), options));
}

StateStager::StateStager(storage::Engine* engine, std::string dir, StageOptions options)
    : engine_(engine),
      dir_(std::move(dir)),
      options_(options),
      decoder_(options.entry_bytes_max, options.allow_zero_padding),
      revision_keys_(RevisionKeys()) {}

StateStager::~StateStager() {
  if (finished_) return;
  table_.reset();
  (void)engine_->RemoveStagingDir(dir_);
}

Status StateStager::CloseTable() {
  if (table_ == nullptr) return Status::Ok();
  STRATA_RETURN_IF_ERROR(table_->Finish());
  table_.reset();
  return Status::Ok();
}

Status StateStager::Add(const StateEntry& e) {
  if (e.cf == storage::ColumnFamily::kMvcc) {
    Result<ParsedHistoryKey> key = ParseHistoryKey(e.key);
    STRATA_RETURN_IF_ERROR(key.status());
    if (key->revision.main < 1) {
      return Status::Corruption("kv snapshot: history entry at revision 0");
    }
    STRATA_RETURN_IF_ERROR(DecodeUserKey(key->prefix).status());
    STRATA_RETURN_IF_ERROR(DecodeRecord(e.value).status());
    max_history_revision_ = std::max(max_history_revision_, key->revision.main);
  } else {
    for (const std::string& k : revision_keys_) {
      if (e.key == k) revision_meta_.emplace_back(e.key, e.value);
    }
  }
  bool full = table_ != nullptr && table_->file_bytes() >= options_.table_bytes_max;
  if (table_ != nullptr && (table_cf_ != e.cf || full)) STRATA_RETURN_IF_ERROR(CloseTable());
  if (table_ == nullptr) {
    std::string path = dir_ + "/" + std::string(storage::ColumnFamilyName(e.cf)) + "-" +
                       std::to_string(next_table_++) + ".sst";
    auto writer = engine_->NewTableWriter(e.cf, path);
    STRATA_RETURN_IF_ERROR(writer.status());
    table_ = std::move(*writer);
    table_cf_ = e.cf;
    tables_.push_back({e.cf, path});
  }
  return table_->Put(e.key, e.value);
}

Status StateStager::Write(std::string_view bytes) {
  STRATA_ASSERT(!finished_);
  if (!error_.ok()) return error_;
  Status s = decoder_.Consume(bytes, [this](const StateEntry& e) { return Add(e); });
  if (!s.ok()) error_ = s;
  return s;
}

Result<StagedState> StateStager::Finish() {
  STRATA_ASSERT(!finished_);
  if (!error_.ok()) return error_;
  STRATA_RETURN_IF_ERROR(decoder_.Finish());
  std::map<std::string, std::string, std::less<>> meta(revision_meta_.begin(),
                                                       revision_meta_.end());
  Result<StoredRevisions> revisions = LoadRevisions(MetaMapReader(std::move(meta)));
  STRATA_RETURN_IF_ERROR(revisions.status());
  if (max_history_revision_ > revisions->current) {
    return Status::Corruption("kv snapshot: history entry above the current revision");
  }
  STRATA_RETURN_IF_ERROR(CloseTable());
  finished_ = true;
  StagedState staged;
  staged.dir = dir_;
  staged.tables = tables_;
  staged.entries = decoder_.entries();
  staged.bytes = decoder_.bytes();
  staged.current_revision = revisions->current;
  staged.compacted_revision = revisions->compacted;
  return staged;
}

// ---- MvccStore ----

Result<std::shared_ptr<const storage::ReadView>> MvccStore::CaptureState() const {
  Result<Snapshot> snap = TakeSnapshot();
  STRATA_RETURN_IF_ERROR(snap.status());
  return std::shared_ptr<const storage::ReadView>(std::move(snap->view));
}

Result<std::string> MvccStore::ExportState() const {
  auto view = CaptureState();
  STRATA_RETURN_IF_ERROR(view.status());
  StateReader reader(std::move(*view));
  std::string out;
  while (true) {
    Result<bool> more = reader.Read(size_t{1} << 20, &out);
    STRATA_RETURN_IF_ERROR(more.status());
    if (!*more) return out;
  }
}

Status MvccStore::ImportState(std::string_view data, const storage::WriteBatch& extra_writes) {
  auto stager = StateStager::Start(engine_);
  STRATA_RETURN_IF_ERROR(stager.status());
  STRATA_RETURN_IF_ERROR((*stager)->Write(data));
  Result<StagedState> staged = (*stager)->Finish();
  STRATA_RETURN_IF_ERROR(staged.status());
  return InstallState(*staged, extra_writes);
}

Status MvccStore::InstallState(const StagedState& staged, const storage::WriteBatch& extra_writes) {
  // CompactStep is the only other writer of this store's keys; keep it out
  // until the new revisions are in place, and restart its pass after.
  std::lock_guard compact_lock(compact_mu_);
  storage::WriteBatch clear;
  clear.DeleteRange(storage::ColumnFamily::kMvcc, "", kHighKeys);
  {
    auto high = engine_->NewIterator(storage::ColumnFamily::kMvcc, {std::string(kHighKeys), ""});
    STRATA_RETURN_IF_ERROR(high.status());
    for ((*high)->SeekToFirst(); (*high)->Valid(); (*high)->Next()) {
      clear.Delete(storage::ColumnFamily::kMvcc, (*high)->key());
    }
    STRATA_RETURN_IF_ERROR((*high)->status());
  }
  clear.DeleteRange(storage::ColumnFamily::kMeta, KvMetaPrefix(), KvMetaPrefixEnd());

  // Readers wait (TakeSnapshot takes mu_) so none sees the store between
  // the steps, or new data with old revisions.
  std::lock_guard lock(mu_);
  STRATA_ASSERT_MSG(!write_open_, "InstallState with a WriteTxn open");
  latest_.Clear();
  // On failure the staged files stay: if the clear was written, reopening
  // the engine completes the install from them.
  STRATA_RETURN_IF_ERROR(engine_->IngestTables(clear, staged.tables, extra_writes));
  (void)engine_->RemoveStagingDir(staged.dir);
  Result<StoredRevisions> stored = LoadRevisions(*engine_);
  // The stager validated these very revisions.
  STRATA_ASSERT_MSG(stored.ok(), stored.status().ToString());
  current_revision_ = stored->current;
  compacted_revision_ = stored->compacted;
  compact_finished_revision_ = stored->compact_finished;
  compaction_ = CompactionCursor{};
  return Status::Ok();
}

}  // namespace strata::kv

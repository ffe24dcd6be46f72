#include "kv/errors.h"
#include "kv/history_key.h"
#include "kv/history_scan.h"
#include "kv/mvcc_store.h"
#include "kv/record.h"
#include "kv/revision_meta.h"

namespace strata::kv {

WriteTxn::WriteTxn(MvccStore* store, int64_t begin_revision, int64_t compacted_revision,
                   std::unique_ptr<storage::ReadView> own_view, const storage::ReadView* view,
                   StagedHistory* staged)
    : store_(store),
      begin_revision_(begin_revision),
      compacted_revision_(compacted_revision),
      own_view_(std::move(own_view)),
      view_(view),
      staged_(staged != nullptr ? staged : &own_staged_) {}

WriteTxn::~WriteTxn() {
  if (done_) return;
  // In a batch the staged map is shared: take this transaction's entries
  // out. Each one has an event, in sub-revision order (see Stage's callers).
  if (staged_ != &own_staged_) {
    STRATA_ASSERT(static_cast<int64_t>(events_.size()) == next_sub_);
    for (int64_t sub = 0; sub < next_sub_; ++sub) {
      staged_->erase(HistoryKey(events_[sub].kv.key, Revision{revision(), sub}));
    }
  }
  store_->FinishWrite(/*committed=*/false, 0, 0);
}

int64_t WriteTxn::current_revision() const { return next_sub_ > 0 ? revision() : begin_revision_; }

Result<RangeResult> WriteTxn::Range(std::string_view key, std::string_view range_end,
                                    const RangeOptions& options) const {
  STRATA_ASSERT(!done_);
  return ReadRange(*view_, staged_, key, range_end, options, current_revision(),
                   compact_to_.value_or(compacted_revision_));
}

Result<std::optional<KeyValue>> WriteTxn::Latest(std::string_view key) const {
  // A key this transaction changed is only in the staged history.
  bool changed_here = false;
  for (const Event& e : events_) changed_here |= e.kv.key == key;
  if (!changed_here) {
    if (auto cached = store_->latest_.Lookup(key)) return std::move(*cached);
  }
  std::string lower = VersionsStart(key);
  std::string upper = VersionsEnd(lower);
  Result<HistoryCursor> cursor = HistoryCursor::Open(*view_, staged_, lower, upper);
  STRATA_RETURN_IF_ERROR(cursor.status());
  std::optional<KeyValue> latest;
  Status error;
  Status scanned = ScanVisible(*cursor, current_revision(), [&](const VisibleVersion& version) {
    Result<KeyValue> kv = MakeKeyValue(version, /*with_value=*/true);
    if (kv.ok()) {
      latest = std::move(kv).value();
    } else {
      error = kv.status();
    }
    return false;
  });
  STRATA_RETURN_IF_ERROR(scanned);
  STRATA_RETURN_IF_ERROR(error);
  return latest;
}

void WriteTxn::Stage(std::string_view user_key, std::string record) {
  std::string key = HistoryKey(user_key, Revision{revision(), next_sub_++});
  batch_.Put(storage::ColumnFamily::kMvcc, key, record);
  bool inserted = staged_->emplace(std::move(key), std::move(record)).second;
  STRATA_ASSERT(inserted);
}

Result<std::optional<KeyValue>> WriteTxn::Put(std::string_view key, std::string_view value,
                                              int64_t lease) {
  STRATA_ASSERT(!done_);
  if (key.empty()) return Status::InvalidArgument("kv: key is empty");
  Result<std::optional<KeyValue>> prev = Latest(key);
  STRATA_RETURN_IF_ERROR(prev.status());

  KeyValue kv;
  kv.key = std::string(key);
  kv.create_revision = prev->has_value() ? (*prev)->create_revision : revision();
  kv.mod_revision = revision();
  kv.version = prev->has_value() ? (*prev)->version + 1 : 1;
  kv.value = std::string(value);
  kv.lease = lease;
  Stage(key, EncodePut(kv.create_revision, kv.version, kv.lease, kv.value));
  events_.push_back(Event{Event::Type::kPut, std::move(kv), *prev});
  return prev;
}

Result<DeleteResult> WriteTxn::DeleteRange(std::string_view key, std::string_view range_end) {
  STRATA_ASSERT(!done_);
  Result<RangeResult> existing = Range(key, range_end);
  STRATA_RETURN_IF_ERROR(existing.status());
  DeleteResult result;
  for (KeyValue& prev : existing->kvs) {
    Stage(prev.key, EncodeTombstone());
    KeyValue tombstone;
    tombstone.key = prev.key;
    tombstone.mod_revision = revision();
    events_.push_back(Event{Event::Type::kDelete, std::move(tombstone), prev});
    result.prev_kvs.push_back(std::move(prev));
  }
  result.deleted = static_cast<int64_t>(result.prev_kvs.size());
  return result;
}

Status WriteTxn::Compact(int64_t revision) {
  STRATA_ASSERT(!done_);
  if (revision <= compact_to_.value_or(compacted_revision_)) return CompactedError();
  if (revision > begin_revision_) return FutureRevisionError();
  compact_to_ = revision;
  return Status::Ok();
}

Status WriteTxn::Commit(bool sync) {
  STRATA_ASSERT(!done_);
  done_ = true;
  // Release the view before writing: an open view would make MemoryEngine
  // copy its data and keeps RocksDB from dropping overwritten entries.
  own_view_.reset();
  view_ = nullptr;
  const bool changed = next_sub_ > 0;
  if (changed) PutCurrentRevision(&batch_, revision());
  if (compact_to_.has_value()) PutCompactedRevision(&batch_, *compact_to_);
  Status written = Status::Ok();
  if (store_->batch_open()) {
    store_->AddToBatch(batch_);  // CommitBatch writes it.
  } else if (!batch_.empty()) {
    written = store_->engine_->Write(batch_, sync);
  }
  if (written.ok()) {
    for (const Event& e : events_) {
      if (e.type == Event::Type::kPut) {
        store_->latest_.RecordPut(e.kv);
      } else {
        store_->latest_.RecordDelete(e.kv.key);
      }
    }
  }
  store_->FinishWrite(written.ok(), current_revision(), compact_to_.value_or(compacted_revision_));
  return written;
}

}  // namespace strata::kv

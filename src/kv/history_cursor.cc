#include "kv/history_cursor.h"

#include <algorithm>

namespace strata::kv {

Result<HistoryCursor> HistoryCursor::Open(const storage::Reader& reader,
                                          const PendingHistory* pending, std::string lower,
                                          std::string upper) {
  std::string lower_copy = lower;
  auto base = reader.NewIterator(storage::ColumnFamily::kMvcc,
                                 storage::IteratorOptions{std::move(lower), upper});
  STRATA_RETURN_IF_ERROR(base.status());
  return HistoryCursor(std::move(base).value(), pending, std::move(lower_copy), std::move(upper));
}

HistoryCursor::HistoryCursor(std::unique_ptr<storage::Iterator> base, const PendingHistory* pending,
                             std::string lower, std::string upper)
    : base_(std::move(base)),
      pending_(pending),
      lower_(std::move(lower)),
      upper_(std::move(upper)) {}

void HistoryCursor::Seek(std::string_view target) {
  base_->Seek(target);
  if (pending_ != nullptr) {
    pending_it_ = pending_->lower_bound(std::max(target, std::string_view(lower_)));
  }
  Pick();
}

void HistoryCursor::Next() {
  STRATA_ASSERT(Valid());
  if (on_pending_) {
    ++pending_it_;
  } else {
    base_->Next();
  }
  Pick();
}

std::string_view HistoryCursor::key() const {
  STRATA_ASSERT(Valid());
  return on_pending_ ? std::string_view(pending_it_->first) : base_->key();
}

std::string_view HistoryCursor::value() const {
  STRATA_ASSERT(Valid());
  return on_pending_ ? std::string_view(pending_it_->second) : base_->value();
}

void HistoryCursor::Pick() {
  bool base_valid = base_->Valid();
  bool pending_valid = pending_ != nullptr && pending_it_ != pending_->end() &&
                       (upper_.empty() || pending_it_->first < upper_);
  if (base_valid && pending_valid) {
    // Each revision is written once, so the two sides never share a key.
    STRATA_ASSERT(base_->key() != pending_it_->first);
    on_pending_ = pending_it_->first < base_->key();
    on_base_ = !on_pending_;
  } else {
    on_base_ = base_valid;
    on_pending_ = pending_valid;
  }
}

}  // namespace strata::kv

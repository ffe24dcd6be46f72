// HistoryCursor: a forward cursor over history entries (column family mvcc)
// that merges entries already in the engine with entries a write
// transaction has staged but not yet committed, so that the transaction
// reads its own writes. Internal to the kv layer.
//
// Thread-safety: not thread-safe; the pending map must not change while the
// cursor is in use.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "storage/engine.h"

namespace strata::kv {

// History key -> record, for entries staged by a write transaction.
using PendingHistory = std::map<std::string, std::string, std::less<>>;

class HistoryCursor {
 public:
  // Iterates [lower, upper) ("" upper = unbounded) of reader's cf mvcc,
  // merged with pending (may be null). Errors: those of NewIterator.
  static Result<HistoryCursor> Open(const storage::Reader& reader, const PendingHistory* pending,
                                    std::string lower, std::string upper);

  bool Valid() const { return on_base_ || on_pending_; }
  // Positions at the first entry >= max(target, lower).
  void Seek(std::string_view target);
  // REQUIRES: Valid().
  void Next();
  // REQUIRES: Valid(). Valid until the cursor moves.
  std::string_view key() const;
  std::string_view value() const;
  // OK unless the engine failed; check when Valid() turns false.
  Status status() const { return base_->status(); }

 private:
  HistoryCursor(std::unique_ptr<storage::Iterator> base, const PendingHistory* pending,
                std::string lower, std::string upper);
  // Chooses between the base and pending positions, smaller key first.
  void Pick();

  std::unique_ptr<storage::Iterator> base_;
  const PendingHistory* pending_;
  std::string lower_;
  std::string upper_;
  PendingHistory::const_iterator pending_it_;
  bool on_base_ = false;
  bool on_pending_ = false;
};

}  // namespace strata::kv

#include "kv/history_scan.h"
#include "kv/mvcc_store.h"

namespace strata::kv {

Result<std::unique_ptr<ReadTxn>> MvccStore::BeginRead() const {
  Result<Snapshot> snap = TakeSnapshot();
  STRATA_RETURN_IF_ERROR(snap.status());
  return std::unique_ptr<ReadTxn>(
      new ReadTxn(snap->current, snap->compacted, std::move(snap->view)));
}

ReadTxn::ReadTxn(int64_t current, int64_t compacted, std::unique_ptr<storage::ReadView> view)
    : current_(current), compacted_(compacted), view_(std::move(view)) {}

Result<RangeResult> ReadTxn::Range(std::string_view key, std::string_view range_end,
                                   const RangeOptions& options) const {
  return ReadRange(*view_, nullptr, key, range_end, options, current_, compacted_);
}

}  // namespace strata::kv

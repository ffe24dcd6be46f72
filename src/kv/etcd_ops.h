// Executing etcd KV requests against the MVCC store, following etcd 3.5's
// server/etcdserver/apply.go (applierV3backend Range, Put, DeleteRange,
// Txn). Internal to the kv layer; the public entry points are in
// applier.h.
//
// Errors: request-level failures are etcd errors (etcd_errors.h); anything
// else (engine errors, corruption) is returned as is and is fatal to the
// caller. Thread-safety: as the OpsView used.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "etcd/etcdserverpb/rpc.pb.h"
#include "kv/lease_table.h"
#include "kv/mvcc_store.h"

namespace strata::kv {

// What executing requests needs from a transaction: reads at a fixed view
// plus the transaction's own writes, and the writer for write requests.
class OpsView {
 public:
  virtual ~OpsView() = default;
  virtual Result<RangeResult> Range(std::string_view key, std::string_view range_end,
                                    const RangeOptions& options) const = 0;
  // etcd's txn.Rev(): the revision reads see as current.
  virtual int64_t current_revision() const = 0;
  // The store's compacted revision (0 = never compacted).
  virtual int64_t compacted_revision() const = 0;
  // The transaction to write through; null for a read-only view.
  virtual WriteTxn* writer() = 0;
  // Whether a lease with this id exists (0, no lease, always does).
  bool LeaseExists(int64_t id) const { return id == 0 || (leases_ && leases_->Exists(id)); }

 protected:
  explicit OpsView(const LeaseTable* leases) : leases_(leases) {}

 private:
  const LeaseTable* const leases_;
};

// A read-only view over a ReadTxn.
class ReadOpsView final : public OpsView {
 public:
  ReadOpsView(const ReadTxn* txn, const LeaseTable* leases) : OpsView(leases), txn_(txn) {}
  Result<RangeResult> Range(std::string_view key, std::string_view range_end,
                            const RangeOptions& options) const override {
    return txn_->Range(key, range_end, options);
  }
  int64_t current_revision() const override { return txn_->current_revision(); }
  int64_t compacted_revision() const override { return txn_->compacted_revision(); }
  WriteTxn* writer() override { return nullptr; }

 private:
  const ReadTxn* txn_;
};

// A view over a WriteTxn: reads see its own writes.
class WriteOpsView final : public OpsView {
 public:
  WriteOpsView(WriteTxn* txn, int64_t compacted, const LeaseTable* leases)
      : OpsView(leases), txn_(txn), compacted_(compacted) {}
  Result<RangeResult> Range(std::string_view key, std::string_view range_end,
                            const RangeOptions& options) const override {
    return txn_->Range(key, range_end, options);
  }
  int64_t current_revision() const override { return txn_->current_revision(); }
  int64_t compacted_revision() const override { return compacted_; }
  WriteTxn* writer() override { return txn_; }

 private:
  WriteTxn* txn_;
  const int64_t compacted_;
};

// etcd's Range: fetch, filter by min/max mod/create revision, sort, limit.
// Errors: kInvalidSortOption, kCompacted, kFutureRev; engine errors.
Result<etcdserverpb::RangeResponse> ExecuteRange(const OpsView& view,
                                                 const etcdserverpb::RangeRequest& request);

// etcd's Put. check_lease: refuse a lease that does not exist (standalone
// puts; a txn checks before executing). Errors: kEmptyKey, kLeaseNotFound,
// kKeyNotFound; engine errors. REQUIRES: view.writer() != nullptr.
Result<etcdserverpb::PutResponse> ExecutePut(OpsView& view, const etcdserverpb::PutRequest& request,
                                             bool check_lease);

// etcd's DeleteRange. Errors: engine errors. REQUIRES: view.writer().
Result<etcdserverpb::DeleteRangeResponse> ExecuteDeleteRange(
    OpsView& view, const etcdserverpb::DeleteRangeRequest& request);

// etcd's Txn: every compare of the whole tree is evaluated first, against
// the state before the txn; then the chosen ops are checked (puts, then
// ranges), then executed in order, reads seeing earlier writes of the txn.
// A failed check fails the whole txn before anything is written. Errors:
// kKeyNotFound, kLeaseNotFound, kInvalidSortOption, kCompacted, kFutureRev;
// engine errors. With a read-only view, REQUIRES IsTxnReadOnly(request).
Result<etcdserverpb::TxnResponse> ExecuteTxn(OpsView& view,
                                             const etcdserverpb::TxnRequest& request);

// Copies kv into out.
void ToProto(const KeyValue& kv, mvccpb::KeyValue* out);

}  // namespace strata::kv

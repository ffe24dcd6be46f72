// etcd's Put, DeleteRange and Txn (apply.go, applierV3backend), over a
// WriteTxn (or a ReadTxn for read-only txns).
#include <vector>

#include "kv/etcd_errors.h"
#include "kv/etcd_ops.h"

namespace strata::kv {
namespace {

using etcdserverpb::Compare;
using etcdserverpb::RequestOp;
using etcdserverpb::TxnRequest;
using Ops = google::protobuf::RepeatedPtrField<RequestOp>;

int CompareInt64(int64_t a, int64_t b) { return a < b ? -1 : (a > b ? 1 : 0); }

// etcd's compareKV: the target of c for kv against c's operand. An operand
// of another kind than the target (or none) counts as 0 / empty.
bool CompareKeyValue(const Compare& c, const KeyValue& kv) {
  int result = 0;
  switch (c.target()) {
    case Compare::VALUE: {
      const std::string empty;
      const std::string& operand = c.target_union_case() == Compare::kValue ? c.value() : empty;
      int cmp = kv.value.compare(operand);
      result = cmp < 0 ? -1 : (cmp > 0 ? 1 : 0);
      break;
    }
    case Compare::CREATE:
      result =
          CompareInt64(kv.create_revision,
                       c.target_union_case() == Compare::kCreateRevision ? c.create_revision() : 0);
      break;
    case Compare::MOD:
      result = CompareInt64(kv.mod_revision,
                            c.target_union_case() == Compare::kModRevision ? c.mod_revision() : 0);
      break;
    case Compare::VERSION:
      result =
          CompareInt64(kv.version, c.target_union_case() == Compare::kVersion ? c.version() : 0);
      break;
    case Compare::LEASE:
      result = CompareInt64(kv.lease, c.target_union_case() == Compare::kLease ? c.lease() : 0);
      break;
    default:
      break;  // etcd: an unknown target compares as equal.
  }
  switch (c.result()) {
    case Compare::EQUAL:
      return result == 0;
    case Compare::NOT_EQUAL:
      return result != 0;
    case Compare::GREATER:
      return result > 0;
    case Compare::LESS:
      return result < 0;
    default:
      return true;  // etcd: an unknown result holds.
  }
}

// etcd's applyCompare: c holds for every key in its range. With no key in
// the range, a VALUE compare fails and the others compare a zero KeyValue
// (version, create, mod and lease 0).
Result<bool> EvaluateCompare(const OpsView& view, const Compare& c) {
  Result<RangeResult> read = view.Range(c.key(), c.range_end(), RangeOptions{});
  STRATA_RETURN_IF_ERROR(read.status());
  if (read->kvs.empty()) {
    if (c.target() == Compare::VALUE) return false;
    return CompareKeyValue(c, KeyValue{});
  }
  for (const KeyValue& kv : read->kvs) {
    if (!CompareKeyValue(c, kv)) return false;
  }
  return true;
}

// etcd's compareToPath: the outcome of every txn of the tree that will run,
// depth first (this txn, then the nested txns of its chosen branch).
Status ComputePath(const OpsView& view, const TxnRequest& txn, std::vector<bool>* path) {
  bool succeeded = true;
  for (const Compare& c : txn.compare()) {
    Result<bool> holds = EvaluateCompare(view, c);
    STRATA_RETURN_IF_ERROR(holds.status());
    if (!*holds) {
      succeeded = false;
      break;
    }
  }
  path->push_back(succeeded);
  for (const RequestOp& op : succeeded ? txn.success() : txn.failure()) {
    if (op.has_request_txn()) STRATA_RETURN_IF_ERROR(ComputePath(view, op.request_txn(), path));
  }
  return Status::Ok();
}

// Calls check on every non-txn op that will run, in order.
template <typename Check>
Status ForEachChosenOp(const TxnRequest& txn, const std::vector<bool>& path, size_t* pos,
                       const Check& check) {
  STRATA_ASSERT(*pos < path.size());
  const bool succeeded = path[(*pos)++];
  for (const RequestOp& op : succeeded ? txn.success() : txn.failure()) {
    if (op.has_request_txn()) {
      STRATA_RETURN_IF_ERROR(ForEachChosenOp(op.request_txn(), path, pos, check));
    } else {
      STRATA_RETURN_IF_ERROR(check(op));
    }
  }
  return Status::Ok();
}

// etcd's checkRequestPut, against the state before the txn.
Status CheckPut(const OpsView& view, const RequestOp& op) {
  if (!op.has_request_put()) return Status::Ok();
  const etcdserverpb::PutRequest& put = op.request_put();
  if (put.ignore_value() || put.ignore_lease()) {
    Result<RangeResult> prev = view.Range(put.key(), "", RangeOptions{});
    STRATA_RETURN_IF_ERROR(prev.status());
    if (prev->kvs.empty()) return MakeEtcdError(EtcdError::kKeyNotFound);
  }
  if (!view.LeaseExists(put.lease())) return MakeEtcdError(EtcdError::kLeaseNotFound);
  return Status::Ok();
}

// etcd's checkRequestRange (plus 3.6's sort option check), against the
// revisions before the txn. etcd's first revision is -1 until the first
// compaction.
Status CheckRange(const OpsView& view, const RequestOp& op) {
  if (!op.has_request_range()) return Status::Ok();
  const etcdserverpb::RangeRequest& range = op.request_range();
  if (!etcdserverpb::RangeRequest::SortOrder_IsValid(range.sort_order()) ||
      !etcdserverpb::RangeRequest::SortTarget_IsValid(range.sort_target())) {
    return MakeEtcdError(EtcdError::kInvalidSortOption);
  }
  const int64_t first = view.compacted_revision() == 0 ? -1 : view.compacted_revision();
  if (range.revision() == 0) return Status::Ok();
  if (range.revision() > view.current_revision()) return MakeEtcdError(EtcdError::kFutureRev);
  if (range.revision() < first) return MakeEtcdError(EtcdError::kCompacted);
  return Status::Ok();
}

// etcd's applyTxn: runs the chosen ops of txn in order into response.
Status ExecuteChosen(OpsView& view, const TxnRequest& txn, const std::vector<bool>& path,
                     size_t* pos, etcdserverpb::TxnResponse* response) {
  STRATA_ASSERT(*pos < path.size());
  const bool succeeded = path[(*pos)++];
  response->set_succeeded(succeeded);
  response->mutable_header();  // Nested txns get an empty header, as in etcd.
  for (const RequestOp& op : succeeded ? txn.success() : txn.failure()) {
    etcdserverpb::ResponseOp* out = response->add_responses();
    switch (op.request_case()) {
      case RequestOp::kRequestRange: {
        Result<etcdserverpb::RangeResponse> r = ExecuteRange(view, op.request_range());
        STRATA_RETURN_IF_ERROR(r.status());
        *out->mutable_response_range() = std::move(r).value();
        break;
      }
      case RequestOp::kRequestPut: {
        Result<etcdserverpb::PutResponse> r =
            ExecutePut(view, op.request_put(), /*check_lease=*/false);
        STRATA_RETURN_IF_ERROR(r.status());
        *out->mutable_response_put() = std::move(r).value();
        break;
      }
      case RequestOp::kRequestDeleteRange: {
        Result<etcdserverpb::DeleteRangeResponse> r =
            ExecuteDeleteRange(view, op.request_delete_range());
        STRATA_RETURN_IF_ERROR(r.status());
        *out->mutable_response_delete_range() = std::move(r).value();
        break;
      }
      case RequestOp::kRequestTxn:
        STRATA_RETURN_IF_ERROR(
            ExecuteChosen(view, op.request_txn(), path, pos, out->mutable_response_txn()));
        break;
      case RequestOp::REQUEST_NOT_SET:
        break;  // An empty op answers an empty response.
    }
  }
  return Status::Ok();
}

}  // namespace

Result<etcdserverpb::PutResponse> ExecutePut(OpsView& view, const etcdserverpb::PutRequest& p,
                                             bool check_lease) {
  WriteTxn* txn = view.writer();
  STRATA_ASSERT(txn != nullptr);
  if (p.key().empty()) return MakeEtcdError(EtcdError::kEmptyKey);
  if (check_lease && !view.LeaseExists(p.lease())) return MakeEtcdError(EtcdError::kLeaseNotFound);
  std::string_view value = p.value();
  int64_t lease = p.lease();
  std::optional<KeyValue> existing;
  if (p.ignore_value() || p.ignore_lease()) {
    Result<RangeResult> prev = view.Range(p.key(), "", RangeOptions{});
    STRATA_RETURN_IF_ERROR(prev.status());
    if (prev->kvs.empty()) return MakeEtcdError(EtcdError::kKeyNotFound);
    existing = std::move(prev->kvs.front());
    if (p.ignore_value()) value = existing->value;
    if (p.ignore_lease()) lease = existing->lease;
  }
  Result<std::optional<KeyValue>> prev = txn->Put(p.key(), value, lease);
  STRATA_RETURN_IF_ERROR(prev.status());
  etcdserverpb::PutResponse response;
  response.mutable_header()->set_revision(txn->revision());
  if (p.prev_kv() && prev->has_value()) ToProto(**prev, response.mutable_prev_kv());
  return response;
}

Result<etcdserverpb::DeleteRangeResponse> ExecuteDeleteRange(
    OpsView& view, const etcdserverpb::DeleteRangeRequest& d) {
  WriteTxn* txn = view.writer();
  STRATA_ASSERT(txn != nullptr);
  Result<DeleteResult> deleted = txn->DeleteRange(d.key(), d.range_end());
  STRATA_RETURN_IF_ERROR(deleted.status());
  etcdserverpb::DeleteRangeResponse response;
  response.mutable_header()->set_revision(txn->current_revision());
  response.set_deleted(deleted->deleted);
  if (d.prev_kv()) {
    for (const KeyValue& kv : deleted->prev_kvs) ToProto(kv, response.add_prev_kvs());
  }
  return response;
}

Result<etcdserverpb::TxnResponse> ExecuteTxn(OpsView& view, const TxnRequest& txn) {
  std::vector<bool> path;
  STRATA_RETURN_IF_ERROR(ComputePath(view, txn, &path));
  size_t pos = 0;
  if (view.writer() != nullptr) {
    STRATA_RETURN_IF_ERROR(
        ForEachChosenOp(txn, path, &pos, [&](const RequestOp& op) { return CheckPut(view, op); }));
    pos = 0;
  }
  STRATA_RETURN_IF_ERROR(
      ForEachChosenOp(txn, path, &pos, [&](const RequestOp& op) { return CheckRange(view, op); }));
  pos = 0;
  etcdserverpb::TxnResponse response;
  STRATA_RETURN_IF_ERROR(ExecuteChosen(view, txn, path, &pos, &response));
  STRATA_ASSERT(pos == path.size());
  response.mutable_header()->set_revision(view.current_revision());
  return response;
}

}  // namespace strata::kv

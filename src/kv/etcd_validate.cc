#include "kv/etcd_validate.h"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "kv/etcd_errors.h"

namespace strata::kv {
namespace {

using etcdserverpb::RequestOp;
using Ops = google::protobuf::RepeatedPtrField<RequestOp>;

Status CheckTxnRequest(const etcdserverpb::TxnRequest& r, int max_ops);

Status CheckRequestOp(const RequestOp& op, int max_ops) {
  switch (op.request_case()) {
    case RequestOp::kRequestRange:
      return ValidateRange(op.request_range());
    case RequestOp::kRequestPut:
      return ValidatePut(op.request_put());
    case RequestOp::kRequestDeleteRange:
      return ValidateDeleteRange(op.request_delete_range());
    case RequestOp::kRequestTxn:
      return CheckTxnRequest(op.request_txn(), max_ops);
    case RequestOp::REQUEST_NOT_SET:
      break;
  }
  return MakeEtcdError(EtcdError::kKeyNotFound);
}

Status CheckTxnRequest(const etcdserverpb::TxnRequest& r, int max_ops) {
  const int largest = std::max({r.compare_size(), r.success_size(), r.failure_size()});
  if (largest > max_ops) return MakeEtcdError(EtcdError::kTooManyOps);
  for (const etcdserverpb::Compare& c : r.compare()) {
    if (c.key().empty()) return MakeEtcdError(EtcdError::kEmptyKey);
  }
  for (const RequestOp& op : r.success())
    STRATA_RETURN_IF_ERROR(CheckRequestOp(op, max_ops - largest));
  for (const RequestOp& op : r.failure())
    STRATA_RETURN_IF_ERROR(CheckRequestOp(op, max_ops - largest));
  return Status::Ok();
}

// A delete's interval as etcd's checkIntervals sees it: [key, range_end),
// or the single key when range_end is empty.
struct DeleteInterval {
  std::string key;
  std::string range_end;
  bool Contains(const std::string& k) const {
    if (range_end.empty()) return k == key;
    // Keys are non-empty here (checked first), so plain byte order equals
    // etcd's affine order; range_end "\0" or <= key contains nothing.
    return key <= k && k < range_end;
  }
};

struct Writes {
  std::set<std::string> puts;
  std::vector<DeleteInterval> dels;
  bool Deletes(const std::string& k) const {
    return std::any_of(dels.begin(), dels.end(),
                       [&](const DeleteInterval& d) { return d.Contains(k); });
  }
};

// etcd's checkIntervals: the puts and deletes of one branch, or
// kDuplicateKey.
Result<Writes> CheckIntervals(const Ops& ops) {
  Writes w;
  for (const RequestOp& op : ops) {
    if (!op.has_request_delete_range()) continue;
    const etcdserverpb::DeleteRangeRequest& d = op.request_delete_range();
    w.dels.push_back(DeleteInterval{d.key(), d.range_end()});
  }
  const Status duplicate = MakeEtcdError(EtcdError::kDuplicateKey);
  for (const RequestOp& op : ops) {
    if (!op.has_request_txn()) continue;
    Result<Writes> then_writes = CheckIntervals(op.request_txn().success());
    STRATA_RETURN_IF_ERROR(then_writes.status());
    Result<Writes> else_writes = CheckIntervals(op.request_txn().failure());
    STRATA_RETURN_IF_ERROR(else_writes.status());
    for (const std::string& k : then_writes->puts) {
      if (w.puts.contains(k) || w.Deletes(k)) return duplicate;
      w.puts.insert(k);
    }
    for (const std::string& k : else_writes->puts) {
      // The same key in then and else is fine: only one branch runs.
      if (w.puts.contains(k) && !then_writes->puts.contains(k)) return duplicate;
      if (w.Deletes(k)) return duplicate;
      w.puts.insert(k);
    }
    for (DeleteInterval& d : then_writes->dels) w.dels.push_back(std::move(d));
    for (DeleteInterval& d : else_writes->dels) w.dels.push_back(std::move(d));
  }
  for (const RequestOp& op : ops) {
    if (!op.has_request_put()) continue;
    const std::string& k = op.request_put().key();
    if (w.puts.contains(k) || w.Deletes(k)) return duplicate;
    w.puts.insert(k);
  }
  return w;
}

}  // namespace

Status ValidateRange(const etcdserverpb::RangeRequest& request) {
  if (request.key().empty()) return MakeEtcdError(EtcdError::kEmptyKey);
  if (!etcdserverpb::RangeRequest_SortOrder_IsValid(request.sort_order()) ||
      !etcdserverpb::RangeRequest_SortTarget_IsValid(request.sort_target())) {
    return MakeEtcdError(EtcdError::kInvalidSortOption);
  }
  return Status::Ok();
}

Status ValidatePut(const etcdserverpb::PutRequest& request) {
  if (request.key().empty()) return MakeEtcdError(EtcdError::kEmptyKey);
  if (request.ignore_value() && !request.value().empty()) {
    return MakeEtcdError(EtcdError::kValueProvided);
  }
  if (request.ignore_lease() && request.lease() != 0) {
    return MakeEtcdError(EtcdError::kLeaseProvided);
  }
  return Status::Ok();
}

Status ValidateDeleteRange(const etcdserverpb::DeleteRangeRequest& request) {
  if (request.key().empty()) return MakeEtcdError(EtcdError::kEmptyKey);
  return Status::Ok();
}

Status ValidateTxn(const etcdserverpb::TxnRequest& request, int max_ops) {
  STRATA_ASSERT(max_ops > 0);
  STRATA_RETURN_IF_ERROR(CheckTxnRequest(request, max_ops));
  // After the size check, so the overlap check is bounded.
  STRATA_RETURN_IF_ERROR(CheckIntervals(request.success()).status());
  STRATA_RETURN_IF_ERROR(CheckIntervals(request.failure()).status());
  return Status::Ok();
}

bool IsTxnReadOnly(const etcdserverpb::TxnRequest& request) {
  auto is_range = [](const RequestOp& op) { return op.has_request_range(); };
  return std::all_of(request.success().begin(), request.success().end(), is_range) &&
         std::all_of(request.failure().begin(), request.failure().end(), is_range);
}

bool IsTxnSerializable(const etcdserverpb::TxnRequest& request) {
  auto serializable = [](const RequestOp& op) {
    return op.has_request_range() && op.request_range().serializable();
  };
  return std::all_of(request.success().begin(), request.success().end(), serializable) &&
         std::all_of(request.failure().begin(), request.failure().end(), serializable);
}

}  // namespace strata::kv

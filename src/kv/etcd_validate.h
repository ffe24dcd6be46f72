// Request validation that etcd does at the API edge, before proposing
// (etcd's server/etcdserver/api/v3rpc/key.go: checkRangeRequest,
// checkPutRequest, checkDeleteRequest, checkTxnRequest, checkIntervals).
// The API layer calls these; the applier (applier.h) does not repeat them.
// Each returns OK or the etcd error (etcd_errors.h) etcd would answer with.
//
// Thread-safety: pure functions.
#pragma once

#include "base/status.h"
#include "etcd/etcdserverpb/rpc.pb.h"

namespace strata::kv {

// etcd's default --max-txn-ops.
inline constexpr int kDefaultMaxTxnOps = 128;

// kEmptyKey for an empty key; kInvalidSortOption for a sort_order or
// sort_target outside the enum (etcd 3.6's check; 3.5 has none and panics
// applying such a request).
Status ValidateRange(const etcdserverpb::RangeRequest& request);

// kEmptyKey; kValueProvided if ignore_value with a value; kLeaseProvided if
// ignore_lease with a lease.
Status ValidatePut(const etcdserverpb::PutRequest& request);

// kEmptyKey.
Status ValidateDeleteRange(const etcdserverpb::DeleteRangeRequest& request);

// etcd's txn checks, in etcd's order:
//  1. Size, per level: kTooManyOps if the largest of len(compare),
//     len(success), len(failure) exceeds max_ops; a nested txn gets the
//     budget max_ops minus its parent's largest.
//  2. Compares with an empty key: kEmptyKey; each op as ValidateRange /
//     ValidatePut / ValidateDeleteRange, nested txns recursively; an op with
//     no request set: kKeyNotFound (etcd's choice of error).
//  3. Overlaps, in success and in failure separately: kDuplicateKey if a key
//     is put twice, or put and deleted, within one branch of the tree.
//     Nested txns: a key put in both the success and the failure branch of
//     the same nested txn is fine (only one runs); a key put in a nested txn
//     conflicts with a put or delete of the enclosing level and with puts of
//     earlier sibling txns and deletes of earlier sibling txns. As in etcd, a
//     delete with range_end "\0" (every key >= key) is an empty interval to
//     this check and conflicts with nothing, and a delete in a later sibling
//     txn is not checked against puts of an earlier sibling.
// REQUIRES: max_ops > 0.
Status ValidateTxn(const etcdserverpb::TxnRequest& request, int max_ops = kDefaultMaxTxnOps);

// etcd's isTxnReadonly: every op of success and failure is a range (a
// nested txn counts as a write). Read-only txns are served without raft.
bool IsTxnReadOnly(const etcdserverpb::TxnRequest& request);

// etcd's isTxnSerializable: every op is a range with serializable set.
bool IsTxnSerializable(const etcdserverpb::TxnRequest& request);

}  // namespace strata::kv

// etcd's client-facing errors (api/v3rpc/rpctypes/error.go, etcd 3.4/3.5)
// as Status values with etcd's exact messages, plus the gRPC status code
// etcd sends for each, so that the API layer converts mechanically:
//
//   Status s = ...;                       // from the applier or validation
//   grpc::Status(static_cast<grpc::StatusCode>(GrpcCodeOf(s)), s.message());
//
// The table covers every server-side error of rpctypes that Strata can
// produce or may produce later (KV, lease, member, auth, raft, downgrade),
// plus 3.6's "invalid sort option" (3.5 panics on such a request instead;
// see applier.h). kv does not link gRPC: GrpcCode mirrors grpc::StatusCode.
//
// Thread-safety: constants and pure functions.
#pragma once

#include <optional>
#include <string_view>

#include "base/status.h"

namespace strata::kv {

// gRPC status codes (same numbers as grpc::StatusCode / google.rpc.Code).
enum class GrpcCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

// One enumerator per rpctypes ErrGRPC* error; names follow etcd's.
enum class EtcdError : int {
  // KV.
  kEmptyKey,           // InvalidArgument "etcdserver: key is not provided"
  kKeyNotFound,        // InvalidArgument "etcdserver: key not found"
  kValueProvided,      // InvalidArgument "etcdserver: value is provided"
  kLeaseProvided,      // InvalidArgument "etcdserver: lease is provided"
  kTooManyOps,         // InvalidArgument "etcdserver: too many operations in txn request"
  kDuplicateKey,       // InvalidArgument "etcdserver: duplicate key given in txn request"
  kInvalidSortOption,  // InvalidArgument "etcdserver: invalid sort option" (etcd 3.6)
  kCompacted,          // OutOfRange "etcdserver: mvcc: required revision has been compacted"
  kFutureRev,          // OutOfRange "etcdserver: mvcc: required revision is a future revision"
  kNoSpace,            // ResourceExhausted "etcdserver: mvcc: database space exceeded"
  // Lease.
  kLeaseNotFound,     // NotFound "etcdserver: requested lease not found"
  kLeaseExist,        // FailedPrecondition "etcdserver: lease already exists"
  kLeaseTTLTooLarge,  // OutOfRange "etcdserver: too large lease TTL"
  // Cluster.
  kMemberExist,
  kPeerURLExist,
  kMemberNotEnoughStarted,
  kMemberBadURLs,
  kMemberNotFound,
  kMemberNotLearner,
  kLearnerNotReady,
  kTooManyLearners,
  // Request limits.
  kRequestTooLarge,  // InvalidArgument "etcdserver: request is too large"
  kTooManyRequests,  // ResourceExhausted "etcdserver: too many requests"
  // Auth.
  kRootUserNotExist,
  kRootRoleNotExist,
  kUserAlreadyExist,
  kUserEmpty,
  kUserNotFound,
  kRoleAlreadyExist,
  kRoleNotFound,
  kRoleEmpty,
  kAuthFailed,
  kPermissionDenied,
  kRoleNotGranted,
  kPermissionNotGranted,
  kAuthNotEnabled,
  kInvalidAuthToken,
  kInvalidAuthMgmt,
  kAuthOldRevision,
  // Server and raft state.
  kNoLeader,
  kNotLeader,
  kLeaderChanged,
  kNotCapable,
  kStopped,
  kTimeout,
  kTimeoutDueToLeaderFail,
  kTimeoutDueToConnectionLost,
  kTimeoutWaitAppliedIndex,
  kUnhealthy,
  kCorrupt,
  kNotSupportedForLearner,
  kBadLeaderTransferee,
  // Downgrade (3.5).
  kClusterVersionUnavailable,
  kWrongDowngradeVersionFormat,
  kInvalidDowngradeTargetVersion,
  kDowngradeInProcess,
  kNoInflightDowngrade,
};

struct EtcdErrorInfo {
  EtcdError error;
  // What etcd sends on the wire.
  GrpcCode grpc_code;
  // The Status code Strata uses for it (closest StatusCode).
  StatusCode status_code;
  // etcd's exact message, "etcdserver: " included.
  std::string_view message;
};

// The table entry of error. Never fails: every enumerator has one.
const EtcdErrorInfo& EtcdErrorInfoOf(EtcdError error);

// The Status for error: code EtcdErrorInfoOf(error).status_code, message
// exactly etcd's.
Status MakeEtcdError(EtcdError error);

// Which etcd error s is, matched by code and exact message; nullopt for OK
// or for any other status.
std::optional<EtcdError> AsEtcdError(const Status& s);

// True if s is exactly MakeEtcdError(error).
bool IsEtcdError(const Status& s, EtcdError error);

// Converts the MVCC store's own revision errors (kv/errors.h: "mvcc: ..."
// without the prefix) to etcd's (kCompacted, kFutureRev); returns every
// other status unchanged.
Status ToEtcdStatus(const Status& s);

// The gRPC code etcd would answer s with: the table's code for an etcd
// error (after ToEtcdStatus), else a generic mapping of s.code() (etcd
// answers unknown errors with Unknown; Strata's own codes map to their
// gRPC namesakes, kCorruption to DataLoss, kIOError to Unavailable...).
GrpcCode GrpcCodeOf(const Status& s);

}  // namespace strata::kv

#include "kv/etcd_errors.h"

#include <array>
#include <string>

#include "kv/errors.h"

namespace strata::kv {
namespace {

using E = EtcdError;
using G = GrpcCode;
using S = StatusCode;

// Indexed by EtcdError; the order must follow the enum (checked below).
constexpr std::array kTable = {
    EtcdErrorInfo{E::kEmptyKey, G::kInvalidArgument, S::kInvalidArgument,
                  "etcdserver: key is not provided"},
    EtcdErrorInfo{E::kKeyNotFound, G::kInvalidArgument, S::kInvalidArgument,
                  "etcdserver: key not found"},
    EtcdErrorInfo{E::kValueProvided, G::kInvalidArgument, S::kInvalidArgument,
                  "etcdserver: value is provided"},
    EtcdErrorInfo{E::kLeaseProvided, G::kInvalidArgument, S::kInvalidArgument,
                  "etcdserver: lease is provided"},
    EtcdErrorInfo{E::kTooManyOps, G::kInvalidArgument, S::kInvalidArgument,
                  "etcdserver: too many operations in txn request"},
    EtcdErrorInfo{E::kDuplicateKey, G::kInvalidArgument, S::kInvalidArgument,
                  "etcdserver: duplicate key given in txn request"},
    EtcdErrorInfo{E::kInvalidSortOption, G::kInvalidArgument, S::kInvalidArgument,
                  "etcdserver: invalid sort option"},
    EtcdErrorInfo{E::kCompacted, G::kOutOfRange, S::kCompacted,
                  "etcdserver: mvcc: required revision has been compacted"},
    EtcdErrorInfo{E::kFutureRev, G::kOutOfRange, S::kOutOfRange,
                  "etcdserver: mvcc: required revision is a future revision"},
    EtcdErrorInfo{E::kNoSpace, G::kResourceExhausted, S::kResourceExhausted,
                  "etcdserver: mvcc: database space exceeded"},

    EtcdErrorInfo{E::kLeaseNotFound, G::kNotFound, S::kNotFound,
                  "etcdserver: requested lease not found"},
    EtcdErrorInfo{E::kLeaseExist, G::kFailedPrecondition, S::kFailedPrecondition,
                  "etcdserver: lease already exists"},
    EtcdErrorInfo{E::kLeaseTTLTooLarge, G::kOutOfRange, S::kOutOfRange,
                  "etcdserver: too large lease TTL"},

    EtcdErrorInfo{E::kMemberExist, G::kFailedPrecondition, S::kFailedPrecondition,
                  "etcdserver: member ID already exist"},
    EtcdErrorInfo{E::kPeerURLExist, G::kFailedPrecondition, S::kFailedPrecondition,
                  "etcdserver: Peer URLs already exists"},
    EtcdErrorInfo{E::kMemberNotEnoughStarted, G::kFailedPrecondition, S::kFailedPrecondition,
                  "etcdserver: re-configuration failed due to not enough started members"},
    EtcdErrorInfo{E::kMemberBadURLs, G::kInvalidArgument, S::kInvalidArgument,
                  "etcdserver: given member URLs are invalid"},
    EtcdErrorInfo{E::kMemberNotFound, G::kNotFound, S::kNotFound, "etcdserver: member not found"},
    EtcdErrorInfo{E::kMemberNotLearner, G::kFailedPrecondition, S::kFailedPrecondition,
                  "etcdserver: can only promote a learner member"},
    EtcdErrorInfo{E::kLearnerNotReady, G::kFailedPrecondition, S::kFailedPrecondition,
                  "etcdserver: can only promote a learner member which is in sync with leader"},
    EtcdErrorInfo{E::kTooManyLearners, G::kFailedPrecondition, S::kFailedPrecondition,
                  "etcdserver: too many learner members in cluster"},

    EtcdErrorInfo{E::kRequestTooLarge, G::kInvalidArgument, S::kInvalidArgument,
                  "etcdserver: request is too large"},
    EtcdErrorInfo{E::kTooManyRequests, G::kResourceExhausted, S::kResourceExhausted,
                  "etcdserver: too many requests"},

    EtcdErrorInfo{E::kRootUserNotExist, G::kFailedPrecondition, S::kFailedPrecondition,
                  "etcdserver: root user does not exist"},
    EtcdErrorInfo{E::kRootRoleNotExist, G::kFailedPrecondition, S::kFailedPrecondition,
                  "etcdserver: root user does not have root role"},
    EtcdErrorInfo{E::kUserAlreadyExist, G::kFailedPrecondition, S::kFailedPrecondition,
                  "etcdserver: user name already exists"},
    EtcdErrorInfo{E::kUserEmpty, G::kInvalidArgument, S::kInvalidArgument,
                  "etcdserver: user name is empty"},
    EtcdErrorInfo{E::kUserNotFound, G::kFailedPrecondition, S::kFailedPrecondition,
                  "etcdserver: user name not found"},
    EtcdErrorInfo{E::kRoleAlreadyExist, G::kFailedPrecondition, S::kFailedPrecondition,
                  "etcdserver: role name already exists"},
    EtcdErrorInfo{E::kRoleNotFound, G::kFailedPrecondition, S::kFailedPrecondition,
                  "etcdserver: role name not found"},
    EtcdErrorInfo{E::kRoleEmpty, G::kInvalidArgument, S::kInvalidArgument,
                  "etcdserver: role name is empty"},
    EtcdErrorInfo{E::kAuthFailed, G::kInvalidArgument, S::kInvalidArgument,
                  "etcdserver: authentication failed, invalid user ID or password"},
    EtcdErrorInfo{E::kPermissionDenied, G::kPermissionDenied, S::kPermissionDenied,
                  "etcdserver: permission denied"},
    EtcdErrorInfo{E::kRoleNotGranted, G::kFailedPrecondition, S::kFailedPrecondition,
                  "etcdserver: role is not granted to the user"},
    EtcdErrorInfo{E::kPermissionNotGranted, G::kFailedPrecondition, S::kFailedPrecondition,
                  "etcdserver: permission is not granted to the role"},
    EtcdErrorInfo{E::kAuthNotEnabled, G::kFailedPrecondition, S::kFailedPrecondition,
                  "etcdserver: authentication is not enabled"},
    EtcdErrorInfo{E::kInvalidAuthToken, G::kUnauthenticated, S::kUnauthenticated,
                  "etcdserver: invalid auth token"},
    EtcdErrorInfo{E::kInvalidAuthMgmt, G::kInvalidArgument, S::kInvalidArgument,
                  "etcdserver: invalid auth management"},
    EtcdErrorInfo{E::kAuthOldRevision, G::kInvalidArgument, S::kInvalidArgument,
                  "etcdserver: revision of auth store is old"},

    EtcdErrorInfo{E::kNoLeader, G::kUnavailable, S::kUnavailable, "etcdserver: no leader"},
    EtcdErrorInfo{E::kNotLeader, G::kFailedPrecondition, S::kNotLeader, "etcdserver: not leader"},
    EtcdErrorInfo{E::kLeaderChanged, G::kUnavailable, S::kUnavailable,
                  "etcdserver: leader changed"},
    EtcdErrorInfo{E::kNotCapable, G::kUnavailable, S::kUnavailable, "etcdserver: not capable"},
    EtcdErrorInfo{E::kStopped, G::kUnavailable, S::kUnavailable, "etcdserver: server stopped"},
    EtcdErrorInfo{E::kTimeout, G::kUnavailable, S::kUnavailable, "etcdserver: request timed out"},
    EtcdErrorInfo{E::kTimeoutDueToLeaderFail, G::kUnavailable, S::kUnavailable,
                  "etcdserver: request timed out, possibly due to previous leader failure"},
    EtcdErrorInfo{E::kTimeoutDueToConnectionLost, G::kUnavailable, S::kUnavailable,
                  "etcdserver: request timed out, possibly due to connection lost"},
    EtcdErrorInfo{E::kTimeoutWaitAppliedIndex, G::kUnavailable, S::kUnavailable,
                  "etcdserver: request timed out, waiting for the applied index took too long"},
    EtcdErrorInfo{E::kUnhealthy, G::kUnavailable, S::kUnavailable, "etcdserver: unhealthy cluster"},
    EtcdErrorInfo{E::kCorrupt, G::kDataLoss, S::kCorruption, "etcdserver: corrupt cluster"},
    EtcdErrorInfo{E::kNotSupportedForLearner, G::kUnavailable, S::kUnavailable,
                  "etcdserver: rpc not supported for learner"},
    EtcdErrorInfo{E::kBadLeaderTransferee, G::kFailedPrecondition, S::kFailedPrecondition,
                  "etcdserver: bad leader transferee"},

    EtcdErrorInfo{E::kClusterVersionUnavailable, G::kUnavailable, S::kUnavailable,
                  "etcdserver: cluster version not found during downgrade"},
    EtcdErrorInfo{E::kWrongDowngradeVersionFormat, G::kInvalidArgument, S::kInvalidArgument,
                  "etcdserver: wrong downgrade target version format"},
    EtcdErrorInfo{E::kInvalidDowngradeTargetVersion, G::kInvalidArgument, S::kInvalidArgument,
                  "etcdserver: invalid downgrade target version"},
    EtcdErrorInfo{E::kDowngradeInProcess, G::kFailedPrecondition, S::kFailedPrecondition,
                  "etcdserver: cluster has a downgrade job in progress"},
    EtcdErrorInfo{E::kNoInflightDowngrade, G::kFailedPrecondition, S::kFailedPrecondition,
                  "etcdserver: no inflight downgrade job"},
};

constexpr bool TableFollowsEnum() {
  for (size_t i = 0; i < kTable.size(); ++i) {
    if (static_cast<size_t>(kTable[i].error) != i) return false;
  }
  return static_cast<size_t>(E::kNoInflightDowngrade) + 1 == kTable.size();
}
static_assert(TableFollowsEnum(), "kTable must list every EtcdError in enum order");

GrpcCode GenericGrpcCode(StatusCode code) {
  switch (code) {
    case S::kOk:
      return G::kOk;
    case S::kInvalidArgument:
      return G::kInvalidArgument;
    case S::kNotFound:
      return G::kNotFound;
    case S::kAlreadyExists:
      return G::kAlreadyExists;
    case S::kFailedPrecondition:
      return G::kFailedPrecondition;
    case S::kOutOfRange:
      return G::kOutOfRange;
    case S::kCompacted:
      return G::kOutOfRange;
    case S::kUnavailable:
      return G::kUnavailable;
    case S::kNotLeader:
      return G::kFailedPrecondition;
    case S::kProposalDropped:
      return G::kUnavailable;
    case S::kResourceExhausted:
      return G::kResourceExhausted;
    case S::kCorruption:
      return G::kDataLoss;
    case S::kIOError:
      return G::kUnavailable;
    case S::kCancelled:
      return G::kCancelled;
    case S::kDeadlineExceeded:
      return G::kDeadlineExceeded;
    case S::kPermissionDenied:
      return G::kPermissionDenied;
    case S::kUnauthenticated:
      return G::kUnauthenticated;
    case S::kInternal:
      return G::kInternal;
  }
  return G::kUnknown;
}

}  // namespace

const EtcdErrorInfo& EtcdErrorInfoOf(EtcdError error) {
  size_t i = static_cast<size_t>(error);
  STRATA_ASSERT(i < kTable.size());
  return kTable[i];
}

Status MakeEtcdError(EtcdError error) {
  const EtcdErrorInfo& info = EtcdErrorInfoOf(error);
  return Status(info.status_code, std::string(info.message));
}

std::optional<EtcdError> AsEtcdError(const Status& s) {
  if (s.ok()) return std::nullopt;
  for (const EtcdErrorInfo& info : kTable) {
    if (info.status_code == s.code() && info.message == s.message()) return info.error;
  }
  return std::nullopt;
}

bool IsEtcdError(const Status& s, EtcdError error) { return AsEtcdError(s) == error; }

Status ToEtcdStatus(const Status& s) {
  if (IsCompactedError(s)) return MakeEtcdError(EtcdError::kCompacted);
  if (IsFutureRevisionError(s)) return MakeEtcdError(EtcdError::kFutureRev);
  return s;
}

GrpcCode GrpcCodeOf(const Status& s) {
  Status etcd = ToEtcdStatus(s);
  std::optional<EtcdError> error = AsEtcdError(etcd);
  if (error.has_value()) return EtcdErrorInfoOf(*error).grpc_code;
  return GenericGrpcCode(etcd.code());
}

}  // namespace strata::kv

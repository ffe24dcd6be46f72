#include "client/retry.h"

#include <algorithm>
#include <string>

namespace strata::client::internal {
namespace {

bool Contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// gRPC's own message when no connection to the member could be made: the
// request never left this process.
bool IsConnectFailure(std::string_view message) {
  return Contains(message, "failed to connect to all addresses") ||
         Contains(message, "Failed to connect to remote host") ||
         Contains(message, "DNS resolution failed");
}

}  // namespace

FailureKind Classify(grpc::StatusCode code, std::string_view message, bool attempt_timed_out) {
  switch (code) {
    case grpc::StatusCode::UNAVAILABLE:
      // Strata answers "no leader" before proposing or starting a read.
      if (IsConnectFailure(message) || message == "etcdserver: no leader") {
        return FailureKind::kNotSent;
      }
      return FailureKind::kOutcomeUnknown;
    case grpc::StatusCode::FAILED_PRECONDITION:
      return message == "etcdserver: not leader" ? FailureKind::kNotSent : FailureKind::kFinal;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return attempt_timed_out ? FailureKind::kOutcomeUnknown : FailureKind::kFinal;
    case grpc::StatusCode::UNAUTHENTICATED:
      return message == "etcdserver: invalid auth token" ? FailureKind::kAuthExpired
                                                         : FailureKind::kFinal;
    case grpc::StatusCode::INVALID_ARGUMENT:
      // A stale token (auth changed since), or auth turned on after we
      // learned that the cluster needs no token.
      if (message == "etcdserver: revision of auth store is old" ||
          message == "etcdserver: user name is empty") {
        return FailureKind::kAuthExpired;
      }
      return FailureKind::kFinal;
    default:
      return FailureKind::kFinal;
  }
}

bool ShouldRetry(FailureKind kind, Idempotency idempotency, bool retry_if_outcome_unknown) {
  switch (kind) {
    case FailureKind::kNotSent:
      return true;
    case FailureKind::kOutcomeUnknown:
      return idempotency == Idempotency::kIdempotent || retry_if_outcome_unknown;
    case FailureKind::kAuthExpired:
    case FailureKind::kFinal:
      return false;
  }
  return false;
}

std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int retry, double unit_random) {
  double base = static_cast<double>(policy.initial_backoff.count());
  const double cap = static_cast<double>(policy.max_backoff.count());
  for (int i = 1; i < retry && base < cap; ++i) base *= 2;
  base = std::min(base, cap);
  unit_random = std::clamp(unit_random, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(base / 2 + unit_random * base / 2));
}

Error ToError(grpc::StatusCode code, std::string_view message, std::string_view context) {
  std::string text(context);
  text += ": ";
  text += message.empty() ? "(no message)" : message;
  using G = grpc::StatusCode;
  switch (code) {
    case G::INVALID_ARGUMENT:
      if (Contains(message, "authentication failed") || Contains(message, "user name is empty")) {
        return {ErrorCode::kUnauthenticated, text};
      }
      return {ErrorCode::kInvalidArgument, text};
    case G::NOT_FOUND:
      return {ErrorCode::kNotFound, text};
    case G::ALREADY_EXISTS:
      return {ErrorCode::kAlreadyExists, text};
    case G::PERMISSION_DENIED:
      return {ErrorCode::kPermissionDenied, text};
    case G::UNAUTHENTICATED:
      return {ErrorCode::kUnauthenticated, text};
    case G::RESOURCE_EXHAUSTED:
      return {ErrorCode::kResourceExhausted, text};
    case G::FAILED_PRECONDITION:
      return {ErrorCode::kFailedPrecondition, text};
    case G::OUT_OF_RANGE:
      return {Contains(message, "compacted") ? ErrorCode::kCompacted : ErrorCode::kOutOfRange,
              text};
    case G::UNAVAILABLE:
      return {ErrorCode::kUnavailable, text};
    case G::DEADLINE_EXCEEDED:
      return {ErrorCode::kDeadlineExceeded, text};
    case G::CANCELLED:
      return {ErrorCode::kCancelled, text};
    case G::UNIMPLEMENTED:
      return {ErrorCode::kUnimplemented, text};
    default:
      // etcd's lock service answers UNKNOWN with etcd's message.
      if (Contains(message, "lease not found")) return {ErrorCode::kNotFound, text};
      return {ErrorCode::kInternal, text};
  }
}

}  // namespace strata::client::internal

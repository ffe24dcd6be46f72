#include <cstdio>
#include <cstdlib>

#include "strata/result.h"

namespace strata::client {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kAlreadyExists:
      return "already_exists";
    case ErrorCode::kVersionMismatch:
      return "version_mismatch";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kFailedPrecondition:
      return "failed_precondition";
    case ErrorCode::kOutOfRange:
      return "out_of_range";
    case ErrorCode::kCompacted:
      return "compacted";
    case ErrorCode::kResourceExhausted:
      return "resource_exhausted";
    case ErrorCode::kPermissionDenied:
      return "permission_denied";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kDeadlineExceeded:
      return "deadline_exceeded";
    case ErrorCode::kCancelled:
      return "cancelled";
    case ErrorCode::kUnimplemented:
      return "unimplemented";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "unknown";
}

Error::Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

Error Error::VersionMismatch(int64_t current_version, std::string message) {
  Error e(ErrorCode::kVersionMismatch, std::move(message));
  e.current_version_ = current_version;
  return e;
}

std::string Error::ToString() const {
  std::string out(ErrorCodeName(code_));
  out += ": ";
  out += message_;
  if (maybe_applied_) out += " (the write may have been applied)";
  return out;
}

namespace internal {

void DieOnBadAccess(const Error& error) {
  std::fprintf(stderr, "strata client: value() of a failed Result: %s\n", error.ToString().c_str());
  std::abort();
}

}  // namespace internal
}  // namespace strata::client

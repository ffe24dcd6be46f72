// Status and Result<T>: errors as values across layer boundaries.
//
// A Status is either OK or carries a code from a small closed set plus a
// message naming the problem. Success is cheap: an OK Status holds no heap
// memory. Result<T> holds either a T or a non-OK Status.
//
// Thread-safety: values; safe to copy between threads, not to share mutably.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "base/assert.h"

namespace strata {

enum class StatusCode : uint8_t {
  kOk = 0,
  kInvalidArgument,  // The caller sent something malformed; retrying will not help.
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,  // The system is not in a state where the request makes sense.
  kOutOfRange,
  kCompacted,          // Requested log entries or revisions were compacted away.
  kUnavailable,        // Requested data is not (yet) available; may succeed later.
  kNotLeader,          // This replica cannot serve the request; try the leader.
  kProposalDropped,    // A proposal was refused (no leader, transfer in progress...).
  kResourceExhausted,  // A bound was hit (queue, quota, size).
  kCorruption,         // Stored data failed a check.
  kIOError,            // The operating system reported a failure.
  kCancelled,
  kDeadlineExceeded,
  kPermissionDenied,
  kUnauthenticated,
  kInternal,
};

// Returns a stable lowercase name such as "invalid_argument".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  // An OK status.
  Status() = default;
  Status(StatusCode code, std::string message);

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return {StatusCode::kInvalidArgument, std::move(msg)};
  }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) {
    return {StatusCode::kAlreadyExists, std::move(msg)};
  }
  static Status FailedPrecondition(std::string msg) {
    return {StatusCode::kFailedPrecondition, std::move(msg)};
  }
  static Status OutOfRange(std::string msg) { return {StatusCode::kOutOfRange, std::move(msg)}; }
  static Status Compacted(std::string msg) { return {StatusCode::kCompacted, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status NotLeader(std::string msg) { return {StatusCode::kNotLeader, std::move(msg)}; }
  static Status ProposalDropped(std::string msg) {
    return {StatusCode::kProposalDropped, std::move(msg)};
  }
  static Status ResourceExhausted(std::string msg) {
    return {StatusCode::kResourceExhausted, std::move(msg)};
  }
  static Status Corruption(std::string msg) { return {StatusCode::kCorruption, std::move(msg)}; }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status Cancelled(std::string msg) { return {StatusCode::kCancelled, std::move(msg)}; }
  static Status DeadlineExceeded(std::string msg) {
    return {StatusCode::kDeadlineExceeded, std::move(msg)};
  }
  static Status PermissionDenied(std::string msg) {
    return {StatusCode::kPermissionDenied, std::move(msg)};
  }
  static Status Unauthenticated(std::string msg) {
    return {StatusCode::kUnauthenticated, std::move(msg)};
  }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return ok() ? StatusCode::kOk : state_->code; }
  // Empty for OK.
  const std::string& message() const;
  // "ok" or "<code name>: <message>".
  std::string ToString() const;

  bool Is(StatusCode c) const { return code() == c; }

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  // Shared so that copying an error is cheap; states are immutable.
  std::shared_ptr<const State> state_;
};

// Holds a T or a non-OK Status. Accessing value() of an error is a bug.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design.
  Result(Status status) : v_(std::move(status)) {  // NOLINT: implicit by design.
    STRATA_ASSERT_MSG(!std::get<Status>(v_).ok(), "Result built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  // REQUIRES: ok().
  T& value() & {
    STRATA_ASSERT_MSG(ok(), status().ToString());
    return std::get<T>(v_);
  }
  const T& value() const& {
    STRATA_ASSERT_MSG(ok(), status().ToString());
    return std::get<T>(v_);
  }
  T&& value() && {
    STRATA_ASSERT_MSG(ok(), status().ToString());
    return std::get<T>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace strata

// Returns early from the enclosing function when `expr` yields a non-OK Status.
#define STRATA_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::strata::Status strata_status_ = (expr);        \
    if (!strata_status_.ok()) return strata_status_; \
  } while (0)

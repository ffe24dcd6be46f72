// Errors of the Strata client library, and Result<T>: a value or an Error.
//
// The client returns errors as values, never throws. Every Error has a code
// from the closed set below and a message that names the operation, the key
// and (for server errors) the member that answered.
//
// Thread-safety: values; safe to copy between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace strata::client {

enum class ErrorCode : uint8_t {
  kNotFound,            // The key (or timeline) does not exist.
  kAlreadyExists,       // Create of something that exists; append of a used message id.
  kVersionMismatch,     // put_if_version: the key's version differs (see current_version()).
  kConflict,            // A transaction read a key that changed before it committed.
  kInvalidArgument,     // Malformed request; retrying will not help.
  kFailedPrecondition,  // The server or object is not in a state where this makes sense.
  kOutOfRange,          // A revision in the future.
  kCompacted,           // The revision asked for was compacted away.
  kResourceExhausted,   // A quota or limit was hit (database full, too many requests).
  kPermissionDenied,    // Authenticated, but not allowed.
  kUnauthenticated,     // Bad credentials, or the server wants a token we cannot get.
  kUnavailable,         // No member could serve the request (after retries).
  kDeadlineExceeded,    // The call's deadline passed.
  kCancelled,           // The client shut down.
  kUnimplemented,       // The server does not offer this service.
  kInternal,            // Anything else, including unexpected server answers.
};

// A stable lowercase name such as "version_mismatch".
std::string_view ErrorCodeName(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message);

  // A VersionMismatch error carrying the key's version at the time of the
  // check (0: the key did not exist).
  static Error VersionMismatch(int64_t current_version, std::string message);

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  bool Is(ErrorCode c) const { return code_ == c; }
  // "<code name>: <message>".
  std::string ToString() const;

  // For kVersionMismatch: the key's current version (0 = absent). 0 otherwise.
  int64_t current_version() const { return current_version_; }

  // True when this is a write that may have been applied even though it
  // reports failure: the request reached a member and no answer came back
  // (the member died, a deadline passed, leadership changed). Read the key
  // to find out. Always false for reads.
  bool maybe_applied() const { return maybe_applied_; }
  Error& set_maybe_applied(bool v) {
    maybe_applied_ = v;
    return *this;
  }

 private:
  ErrorCode code_;
  std::string message_;
  int64_t current_version_ = 0;
  bool maybe_applied_ = false;
};

namespace internal {
// Prints the error and aborts: reading the value of a failed Result is a bug.
[[noreturn]] void DieOnBadAccess(const Error& error);
}  // namespace internal

// Holds a T or an Error. Accessing value() of an error aborts the process.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design.
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design.

  bool ok() const { return v_.index() == 0; }
  // REQUIRES: !ok().
  const Error& error() const {
    if (ok()) internal::DieOnBadAccess(Error(ErrorCode::kInternal, "error() of an OK Result"));
    return std::get<1>(v_);
  }

  // REQUIRES: ok().
  T& value() & {
    Check();
    return std::get<0>(v_);
  }
  const T& value() const& {
    Check();
    return std::get<0>(v_);
  }
  T&& value() && {
    Check();
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  void Check() const {
    if (!ok()) internal::DieOnBadAccess(std::get<1>(v_));
  }
  std::variant<T, Error> v_;
};

// Success without a value, or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::make_shared<Error>(std::move(error))) {}  // NOLINT

  bool ok() const { return error_ == nullptr; }
  // REQUIRES: !ok().
  const Error& error() const {
    if (ok()) internal::DieOnBadAccess(Error(ErrorCode::kInternal, "error() of an OK Result"));
    return *error_;
  }

 private:
  std::shared_ptr<const Error> error_;
};

}  // namespace strata::client

// Which failed attempts a call may retry, the back-off between attempts,
// and the client's error for a gRPC failure. The rules are written up in
// docs/client.md ("Retries").
//
// Thread-safety: pure functions.
#pragma once

#include <grpcpp/support/status.h>

#include <chrono>
#include <string_view>

#include "strata/options.h"
#include "strata/result.h"

namespace strata::client::internal {

// What a failed attempt says about the request it carried.
enum class FailureKind {
  // Refused before it could take effect: no connection to the member, or
  // the member said "no leader" / "not leader" before proposing anything.
  kNotSent,
  // Reached a member, and no verdict came back (connection lost, a timeout
  // inside the cluster or of the attempt, leadership changed): a write may
  // or may not be applied.
  kOutcomeUnknown,
  // The auth token is invalid or stale: authenticate again, then retry.
  kAuthExpired,
  // A verdict: asking again gives the same answer.
  kFinal,
};

// Classifies an attempt that failed with (code, message). attempt_timed_out:
// the attempt's own deadline expired while the call's had time left.
FailureKind Classify(grpc::StatusCode code, std::string_view message, bool attempt_timed_out);

enum class Idempotency {
  kIdempotent,  // Reads, status, member list: repeating changes nothing.
  kWrite,       // Put, delete, Txn with writes.
};

// True if another attempt may follow this failure (attempts and deadline
// permitting). Auth expiry is retried once by the caller, not here.
bool ShouldRetry(FailureKind kind, Idempotency idempotency, bool retry_if_outcome_unknown);

// The pause before retry number `retry` (1: before the second attempt):
// b = min(max_backoff, initial_backoff * 2^(retry-1)), then "equal jitter",
// b/2 + unit_random * b/2, so that clients that failed together spread out.
// REQUIRES: retry >= 1, 0 <= unit_random < 1.
std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int retry, double unit_random);

// The client's error for a gRPC failure; `context` (the operation, key and
// member) prefixes the server's message.
Error ToError(grpc::StatusCode code, std::string_view message, std::string_view context);

}  // namespace strata::client::internal

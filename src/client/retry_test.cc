// The retry rules as a table: which failures may be retried for reads and
// for writes, and the back-off's bounds.
#include "client/retry.h"

#include <gtest/gtest.h>

namespace strata::client::internal {
namespace {

using G = grpc::StatusCode;

struct Case {
  G code;
  const char* message;
  bool attempt_timed_out;
  FailureKind kind;
};

const Case kCases[] = {
    {G::UNAVAILABLE,
     "failed to connect to all addresses; last error: UNKNOWN: ipv4:127.0.0.1:1: Failed to "
     "connect to remote host: Connection refused",
     false, FailureKind::kNotSent},
    {G::UNAVAILABLE, "etcdserver: no leader", false, FailureKind::kNotSent},
    {G::FAILED_PRECONDITION, "etcdserver: not leader", false, FailureKind::kNotSent},
    {G::UNAVAILABLE, "Socket closed", false, FailureKind::kOutcomeUnknown},
    {G::UNAVAILABLE, "Connection reset by peer", false, FailureKind::kOutcomeUnknown},
    {G::UNAVAILABLE, "etcdserver: request timed out", false, FailureKind::kOutcomeUnknown},
    {G::UNAVAILABLE, "etcdserver: leader changed", false, FailureKind::kOutcomeUnknown},
    {G::UNAVAILABLE, "etcdserver: request timed out, possibly due to previous leader failure",
     false, FailureKind::kOutcomeUnknown},
    {G::DEADLINE_EXCEEDED, "Deadline Exceeded", true, FailureKind::kOutcomeUnknown},
    {G::DEADLINE_EXCEEDED, "Deadline Exceeded", false, FailureKind::kFinal},
    {G::UNAUTHENTICATED, "etcdserver: invalid auth token", false, FailureKind::kAuthExpired},
    {G::INVALID_ARGUMENT, "etcdserver: revision of auth store is old", false,
     FailureKind::kAuthExpired},
    {G::INVALID_ARGUMENT, "etcdserver: user name is empty", false, FailureKind::kAuthExpired},
    {G::INVALID_ARGUMENT, "etcdserver: key is not provided", false, FailureKind::kFinal},
    {G::RESOURCE_EXHAUSTED, "etcdserver: mvcc: database space exceeded", false,
     FailureKind::kFinal},
    {G::FAILED_PRECONDITION, "etcdserver: authentication is not enabled", false,
     FailureKind::kFinal},
    {G::PERMISSION_DENIED, "etcdserver: permission denied", false, FailureKind::kFinal},
    {G::CANCELLED, "Cancelled", false, FailureKind::kFinal},
};

TEST(RetryTest, Classification) {
  for (const Case& c : kCases) {
    EXPECT_EQ(Classify(c.code, c.message, c.attempt_timed_out), c.kind) << c.message;
  }
}

TEST(RetryTest, WritesWithUnknownOutcomeAreRetriedOnlyWhenAllowed) {
  using I = Idempotency;
  EXPECT_TRUE(ShouldRetry(FailureKind::kNotSent, I::kWrite, false));
  EXPECT_TRUE(ShouldRetry(FailureKind::kNotSent, I::kIdempotent, false));
  EXPECT_TRUE(ShouldRetry(FailureKind::kOutcomeUnknown, I::kIdempotent, false));
  EXPECT_FALSE(ShouldRetry(FailureKind::kOutcomeUnknown, I::kWrite, false));
  EXPECT_TRUE(ShouldRetry(FailureKind::kOutcomeUnknown, I::kWrite, true));
  EXPECT_FALSE(ShouldRetry(FailureKind::kFinal, I::kIdempotent, true));
  EXPECT_FALSE(ShouldRetry(FailureKind::kAuthExpired, I::kIdempotent, true));
}

TEST(RetryTest, BackoffGrowsIsCappedAndJittered) {
  RetryPolicy p;
  p.initial_backoff = std::chrono::milliseconds(100);
  p.max_backoff = std::chrono::milliseconds(1000);
  EXPECT_EQ(BackoffDelay(p, 1, 0.0).count(), 50);
  EXPECT_EQ(BackoffDelay(p, 1, 0.999).count(), 99);
  EXPECT_EQ(BackoffDelay(p, 2, 0.0).count(), 100);
  EXPECT_EQ(BackoffDelay(p, 3, 0.0).count(), 200);
  for (int retry = 5; retry < 80; ++retry) {
    auto d = BackoffDelay(p, retry, 0.999).count();
    EXPECT_LE(d, 1000);
    EXPECT_GE(BackoffDelay(p, retry, 0.0).count(), 500);
  }
}

TEST(RetryTest, ErrorCodes) {
  EXPECT_EQ(ToError(G::OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted", "x")
                .code(),
            ErrorCode::kCompacted);
  EXPECT_EQ(
      ToError(G::OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision", "x")
          .code(),
      ErrorCode::kOutOfRange);
  EXPECT_EQ(ToError(G::INVALID_ARGUMENT,
                    "etcdserver: authentication failed, invalid user ID or password", "x")
                .code(),
            ErrorCode::kUnauthenticated);
  Error e = ToError(G::UNAVAILABLE, "etcdserver: no leader", "put \"k\" at 127.0.0.1:1");
  EXPECT_EQ(e.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(e.message(), "put \"k\" at 127.0.0.1:1: etcdserver: no leader");
}

}  // namespace
}  // namespace strata::client::internal

// The retry rules on the wire: what the client does when a member answers
// with each kind of failure, counted at a fake member.
#include <gtest/gtest.h>

#include "client/fake_etcd_server.h"
#include "client/test_util.h"
#include "strata/client.h"

namespace strata::client {
namespace {

using namespace std::chrono_literals;
using testing::FakeEtcdServer;

const grpc::Status kTimedOut(grpc::StatusCode::UNAVAILABLE, "etcdserver: request timed out");
const grpc::Status kNoLeader(grpc::StatusCode::UNAVAILABLE, "etcdserver: no leader");

std::unique_ptr<Client> ConnectTo(const std::vector<std::string>& endpoints, int max_attempts = 8) {
  ClientOptions options;
  options.endpoints = endpoints;
  options.retry.max_attempts = max_attempts;
  options.retry.initial_backoff = 1ms;
  options.retry.max_backoff = 5ms;
  auto client = Client::Connect(options);
  EXPECT_TRUE(client.ok()) << client.error().ToString();
  return client.ok() ? std::move(client).value() : nullptr;
}

TEST(RetryRpcTest, WriteWithUnknownOutcomeIsNotRetried) {
  FakeEtcdServer server;
  auto client = ConnectTo({server.target()});
  server.FailNext("Put", kTimedOut);
  auto r = client->put("k", "v");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(r.error().maybe_applied());
  EXPECT_EQ(server.calls("Put"), 1);
}

TEST(RetryRpcTest, CallerMayAllowRetryingUnknownOutcomes) {
  FakeEtcdServer server;
  auto client = ConnectTo({server.target()});
  server.FailNext("Put", kTimedOut);
  auto r = client->put("k", "v", {.retry_if_outcome_unknown = true});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(server.calls("Put"), 2);
}

TEST(RetryRpcTest, RefusedWritesAreRetried) {
  FakeEtcdServer server;
  auto client = ConnectTo({server.target()});
  server.FailNext("Put", kNoLeader, 2);
  server.FailNext("Txn",
                  grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "etcdserver: not leader"));
  ASSERT_TRUE(client->put("k", "v").ok());
  EXPECT_EQ(server.calls("Put"), 3);
  ASSERT_TRUE(client->multi_put({{"a", "1"}}, true).ok());
  EXPECT_EQ(server.calls("Txn"), 2);
}

TEST(RetryRpcTest, ReadsAreRetriedWhateverTheOutcome) {
  FakeEtcdServer server;
  auto client = ConnectTo({server.target()});
  ASSERT_TRUE(client->put("k", "v").ok());
  server.FailNext("Range", grpc::Status(grpc::StatusCode::UNAVAILABLE, "Socket closed"));
  server.FailNext("Range", kTimedOut);
  auto r = client->get("k");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->value, "v");
  EXPECT_EQ(server.calls("Range"), 3);
}

TEST(RetryRpcTest, FinalAnswersAreNotRetried) {
  FakeEtcdServer server;
  auto client = ConnectTo({server.target()});
  server.FailNext("Put", grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                      "etcdserver: mvcc: database space exceeded"));
  auto r = client->put("k", "v");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_FALSE(r.error().maybe_applied());
  EXPECT_EQ(server.calls("Put"), 1);
}

TEST(RetryRpcTest, AttemptsAndDeadlineBoundRetries) {
  FakeEtcdServer server;
  auto client = ConnectTo({server.target()}, /*max_attempts=*/3);
  server.FailNext("Range", kNoLeader, 1000);
  auto r = client->get("k");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(server.calls("Range"), 3);

  auto patient = ConnectTo({server.target()}, /*max_attempts=*/1000000);
  // Long enough for an answered attempt on a loaded machine (the first
  // one includes connecting), so that there is a failure to name.
  auto late = patient->get("k", {.timeout = 1s});
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code(), ErrorCode::kDeadlineExceeded) << late.error().ToString();
  EXPECT_NE(late.error().message().find("no leader"), std::string::npos)
      << "the last failure is named: " << late.error().ToString();
}

TEST(RetryRpcTest, WriteToAnUnreachableLeaderMovesOnWithoutDoubt) {
  FakeEtcdServer server;
  const std::string dead = testing::DeadTarget();
  // Member 1 (unreachable) leads; the client learns that at Connect.
  server.SetMembers({{1, dead}, {2, server.target()}}, 1);
  auto client = ConnectTo({server.target()});
  // Once the client looks again, member 2 leads.
  server.SetMembers({{1, dead}, {2, server.target()}}, 2);
  auto r = client->put("k", "v");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(server.calls("Put"), 1);
}

TEST(RetryRpcTest, ConnectFailsWhenNoMemberAnswers) {
  ClientOptions options;
  options.endpoints = {testing::DeadTarget()};
  options.connect_timeout = 300ms;
  auto r = Client::Connect(options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(Client::Connect(ClientOptions{}).error().code(), ErrorCode::kInvalidArgument);
}

TEST(RetryRpcTest, ShutdownFailsLaterCallsAndAsyncOnes) {
  FakeEtcdServer server;
  auto client = ConnectTo({server.target()});
  auto before = client->put_async("k", "v");
  ASSERT_TRUE(before.get().ok());
  client->Shutdown();
  EXPECT_EQ(client->put("k", "v").error().code(), ErrorCode::kCancelled);
  EXPECT_EQ(client->get_async("k").get().error().code(), ErrorCode::kCancelled);
}

}  // namespace
}  // namespace strata::client

// etcd token authentication against a fake member: the token is fetched
// once, sent as "token" metadata, and fetched again when it expires.
#include <gtest/gtest.h>

#include <thread>

#include "client/fake_etcd_server.h"
#include "strata/client.h"

namespace strata::client {
namespace {

using testing::FakeEtcdServer;

std::unique_ptr<Client> ConnectAs(const FakeEtcdServer& server, const std::string& user,
                                  const std::string& password) {
  ClientOptions options;
  options.endpoints = {server.target()};
  options.credentials = Credentials{user, password};
  auto client = Client::Connect(options);
  EXPECT_TRUE(client.ok()) << client.error().ToString();
  return client.ok() ? std::move(client).value() : nullptr;
}

TEST(AuthTest, TokenIsFetchedOnceAndRefreshedWhenInvalid) {
  FakeEtcdServer server;
  server.RequireAuth("alice", "secret");
  auto client = ConnectAs(server, "alice", "secret");
  ASSERT_TRUE(client->put("k", "v").ok());
  ASSERT_TRUE(client->get("k").ok());
  EXPECT_EQ(server.tokens_issued(), 1);

  server.ExpireTokens();
  auto r = client->put("k", "w");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(server.tokens_issued(), 2);
  EXPECT_EQ(server.calls("Put"), 3) << "one refused with the old token, one with the new";
}

TEST(AuthTest, ATokenRefusedAgainAfterTheRefreshFailsTheCall) {
  FakeEtcdServer server;
  server.RequireAuth("alice", "secret");
  auto client = ConnectAs(server, "alice", "secret");
  server.FailNext("Put", {grpc::StatusCode::UNAUTHENTICATED, "etcdserver: invalid auth token"}, 2);
  auto r = client->put("k", "v");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnauthenticated) << r.error().ToString();
  EXPECT_EQ(server.calls("Put"), 2) << "one repeat after re-authenticating, no more";
  EXPECT_EQ(server.tokens_issued(), 2);
}

TEST(AuthTest, TheKeepAliveStreamReopensWithAFreshToken) {
  FakeEtcdServer server;
  server.RequireAuth("alice", "secret");
  auto client = ConnectAs(server, "alice", "secret");
  auto lease = client->grant_lease(std::chrono::seconds(1));
  ASSERT_TRUE(lease.ok()) << lease.error().ToString();
  auto renewals_reach = [&](int64_t n) {
    for (int i = 0; i < 1500 && lease->renewals() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // Polling.
    }
    return lease->renewals() >= n;
  };
  ASSERT_TRUE(renewals_reach(2)) << server.calls("LeaseKeepAlive");
  server.ExpireTokens();
  const int64_t before = lease->renewals();
  ASSERT_TRUE(renewals_reach(before + 2)) << "renewals go on after the token expired";
  EXPECT_TRUE(lease->alive());
  EXPECT_EQ(server.tokens_issued(), 2);
  EXPECT_GE(server.calls("LeaseKeepAlive"), 2) << "the stream was reopened";
}

TEST(AuthTest, ManyThreadsShareOneRefresh) {
  FakeEtcdServer server;
  server.RequireAuth("alice", "secret");
  auto client = ConnectAs(server, "alice", "secret");
  ASSERT_TRUE(client->put("k", "v").ok());
  server.ExpireTokens();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) failures += client->get("k").ok() ? 0 : 1;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(server.tokens_issued(), 2);
}

TEST(AuthTest, WrongPasswordFailsConnect) {
  FakeEtcdServer server;
  server.RequireAuth("alice", "secret");
  ClientOptions options;
  options.endpoints = {server.target()};
  options.credentials = Credentials{"alice", "guess"};
  auto client = Client::Connect(options);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code(), ErrorCode::kUnauthenticated) << client.error().ToString();
  EXPECT_EQ(server.calls("Authenticate"), 1) << "a final answer is not retried";
}

TEST(AuthTest, NoCredentialsAgainstAnAuthCluster) {
  FakeEtcdServer server;
  server.RequireAuth("alice", "secret");
  ClientOptions options;
  options.endpoints = {server.target()};
  auto client = Client::Connect(options);
  ASSERT_TRUE(client.ok());
  auto r = (*client)->put("k", "v");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnauthenticated) << r.error().ToString();
}

TEST(AuthTest, CredentialsForAClusterWithoutAuthAreFine) {
  FakeEtcdServer server;
  auto client = ConnectAs(server, "alice", "secret");
  ASSERT_TRUE(client->put("k", "v").ok());
  EXPECT_EQ(server.tokens_issued(), 0);
  EXPECT_EQ(server.calls("Authenticate"), 1) << "asked once, remembered";
}

}  // namespace
}  // namespace strata::client

// ReconnectingStream against the fake member: a stream refused at its
// opening is reopened after back-off, and Stop ends it at once even in the
// middle of a back-off.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "client/fake_etcd_server.h"
#include "strata/client.h"

namespace strata::client {
namespace {

using namespace std::chrono_literals;
using testing::FakeEtcdServer;

bool Eventually(const std::function<bool()>& pred) {
  for (int i = 0; i < 1500; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(20ms);  // Polling.
  }
  return pred();
}

std::unique_ptr<Client> ConnectTo(const FakeEtcdServer& server, RetryPolicy retry = {}) {
  ClientOptions options;
  options.endpoints = {server.target()};
  options.retry = retry;
  auto c = Client::Connect(options);
  EXPECT_TRUE(c.ok()) << c.error().ToString();
  return c.ok() ? std::move(c).value() : nullptr;
}

TEST(ReconnectingStreamTest, ARefusedStreamIsReopened) {
  FakeEtcdServer server;
  server.FailNext("LeaseKeepAlive", {grpc::StatusCode::UNAVAILABLE, "etcdserver: no leader"}, 2);
  auto client = ConnectTo(server);
  auto lease = client->grant_lease(1s);
  ASSERT_TRUE(lease.ok()) << lease.error().ToString();
  ASSERT_TRUE(Eventually([&] { return lease->renewals() >= 2; }));
  EXPECT_EQ(server.calls("LeaseKeepAlive"), 3) << "two refused, the third one stays open";
  EXPECT_TRUE(lease->alive());
}

TEST(ReconnectingStreamTest, DestroyingDuringABackoffReturnsAtOnce) {
  FakeEtcdServer server;
  server.FailNext("LeaseKeepAlive", {grpc::StatusCode::UNAVAILABLE, "etcdserver: no leader"}, 1000);
  RetryPolicy slow;
  slow.initial_backoff = 10s;
  slow.max_backoff = 10s;
  auto client = ConnectTo(server, slow);
  auto lease = client->grant_lease(5s);
  ASSERT_TRUE(lease.ok()) << lease.error().ToString();
  ASSERT_TRUE(Eventually([&] { return server.calls("LeaseKeepAlive") >= 1; }));
  const auto start = std::chrono::steady_clock::now();
  { auto gone = std::move(lease).value(); }  // Stops and joins while the stream backs off.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(server.calls("LeaseKeepAlive"), 1);
}

}  // namespace
}  // namespace strata::client

// RpcGateway against a fake Lease service on an in-process gRPC server:
// JSON in and out as etcd's gateway prints it, the token passed on, etcd's
// aliases, errors in the gateway's shape, bad bodies refused before any
// call, unknown and streaming paths, the deadline, and Shutdown.
#include "api/rpc_gateway.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

namespace strata::api {
namespace {

using namespace std::chrono_literals;

class FakeLease final : public etcdserverpb::Lease::Service {
 public:
  grpc::Status LeaseGrant(grpc::ServerContext* ctx, const etcdserverpb::LeaseGrantRequest* request,
                          etcdserverpb::LeaseGrantResponse* response) override {
    ++calls;
    auto token = ctx->client_metadata().find("token");
    std::lock_guard lock(mu);
    last_token = token == ctx->client_metadata().end()
                     ? ""
                     : std::string(token->second.data(), token->second.size());
    response->set_id(request->id() == 0 ? 42 : request->id());
    response->set_ttl(request->ttl());
    response->mutable_header()->set_revision(7);
    return grpc::Status::OK;
  }
  grpc::Status LeaseRevoke(grpc::ServerContext*, const etcdserverpb::LeaseRevokeRequest* request,
                           etcdserverpb::LeaseRevokeResponse*) override {
    ++calls;
    revoked = request->id();
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "etcdserver: requested lease not found");
  }
  // Waits until the caller gives up.
  grpc::Status LeaseLeases(grpc::ServerContext* ctx, const etcdserverpb::LeaseLeasesRequest*,
                           etcdserverpb::LeaseLeasesResponse*) override {
    ++calls;
    entered = true;
    while (!ctx->IsCancelled()) std::this_thread::sleep_for(5ms);  // Polling the cancellation.
    return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
  }

  std::atomic<int> calls{0};
  std::atomic<int64_t> revoked{0};
  std::atomic<bool> entered{false};
  std::mutex mu;
  std::string last_token;  // Guarded by mu.
};

class RpcGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterService(&lease_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override { server_->Shutdown(std::chrono::system_clock::now()); }

  std::unique_ptr<RpcGateway> Gateway(std::chrono::milliseconds deadline = 10s) {
    return std::make_unique<RpcGateway>(server_->InProcessChannel(grpc::ChannelArguments()),
                                        deadline);
  }

  FakeLease lease_;
  std::unique_ptr<grpc::Server> server_;
};

TEST_F(RpcGatewayTest, GrantTakesAndGivesEtcdsJsonWithTheToken) {
  auto gw = Gateway();
  GatewayReply r = gw->Handle("lease/grant", R"({"TTL": "60", "ID": "9"})", "tok-1");
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.body, R"({"header":{"revision":"7"},"ID":"9","TTL":"60"})");
  std::lock_guard lock(lease_.mu);
  EXPECT_EQ(lease_.last_token, "tok-1");
}

TEST_F(RpcGatewayTest, NoTokenSendsNone) {
  auto gw = Gateway();
  EXPECT_EQ(gw->Handle("lease/grant", "", "").http_status, 200);
  std::lock_guard lock(lease_.mu);
  EXPECT_EQ(lease_.last_token, "");
}

TEST_F(RpcGatewayTest, ErrorsHaveTheGatewaysShapeAndTheAliasesWork) {
  auto gw = Gateway();
  for (std::string path : {"lease/revoke", "kv/lease/revoke"}) {
    GatewayReply r = gw->Handle(path, R"({"ID": "5"})", "");
    EXPECT_EQ(r.http_status, 404) << path;
    EXPECT_EQ(r.body, R"({"error":"etcdserver: requested lease not found",)"
                      R"("message":"etcdserver: requested lease not found","code":5})");
    EXPECT_EQ(lease_.revoked, 5);
    lease_.revoked = 0;
  }
}

TEST_F(RpcGatewayTest, MalformedBodiesAreRefusedBeforeAnyCall) {
  auto gw = Gateway();
  GatewayReply r = gw->Handle("lease/grant", R"({"TTL": )", "");
  EXPECT_EQ(r.http_status, 400);
  EXPECT_NE(r.body.find("malformed JSON for etcdserverpb.LeaseGrantRequest"), std::string::npos)
      << r.body;
  EXPECT_EQ(lease_.calls, 0);
}

TEST_F(RpcGatewayTest, UnknownAndStreamingPaths) {
  auto gw = Gateway();
  GatewayReply unknown = gw->Handle("lease/nothing", "{}", "");
  EXPECT_EQ(unknown.http_status, 404);
  EXPECT_EQ(unknown.body, R"({"error":"Not Found","message":"Not Found","code":5})");
  for (std::string path :
       {"watch", "lease/keepalive", "maintenance/snapshot", "election/observe"}) {
    GatewayReply r = gw->Handle(path, "{}", "");
    EXPECT_EQ(r.http_status, 501) << path;
    EXPECT_NE(r.body.find("is a streaming RPC"), std::string::npos) << r.body;
  }
  EXPECT_EQ(lease_.calls, 0);
}

TEST_F(RpcGatewayTest, AServiceTheServerLacksIsUnimplemented) {
  auto gw = Gateway();
  GatewayReply r = gw->Handle("cluster/member/list", "{}", "");
  EXPECT_EQ(r.http_status, 501) << r.body;
}

TEST_F(RpcGatewayTest, TheDeadlineGives504) {
  auto gw = Gateway(200ms);
  GatewayReply r = gw->Handle("lease/leases", "{}", "");
  EXPECT_EQ(r.http_status, 504) << r.body;
  EXPECT_NE(r.body.find(R"("code":4)"), std::string::npos) << r.body;
}

TEST_F(RpcGatewayTest, ShutdownEndsCallsInFlightAndRefusesLaterOnes) {
  auto gw = Gateway(60s);
  auto waiting = std::async(std::launch::async, [&] { return gw->Handle("lease/leases", "", ""); });
  for (int i = 0; i < 3000 && !lease_.entered; ++i) std::this_thread::sleep_for(10ms);  // Polling.
  ASSERT_TRUE(lease_.entered);
  gw->Shutdown();
  ASSERT_EQ(waiting.wait_for(30s), std::future_status::ready);
  GatewayReply ended = waiting.get();
  EXPECT_EQ(ended.http_status, 503) << ended.body;
  EXPECT_NE(ended.body.find("etcdserver: server stopped"), std::string::npos) << ended.body;
  const int calls = lease_.calls;
  EXPECT_EQ(gw->Handle("lease/grant", "", "").http_status, 503);
  EXPECT_EQ(lease_.calls, calls) << "refused without a call";
}

}  // namespace
}  // namespace strata::api

// RpcGateway against fake Lease and Watch services on an in-process gRPC
// server: JSON in and out as etcd's gateway prints it, the token passed on,
// etcd's aliases, errors in the gateway's shape, bad bodies refused before
// any call, unknown paths, the deadline, and Shutdown; streams chunk by
// chunk, ended by the client leaving, by their end, or by Shutdown, and
// bounded in number.
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

  // Answers each request (TTL 10; id 13 is unknown) until the client's half-close.
  grpc::Status LeaseKeepAlive(
      grpc::ServerContext*,
      grpc::ServerReaderWriter<etcdserverpb::LeaseKeepAliveResponse,
                               etcdserverpb::LeaseKeepAliveRequest>* stream) override {
    ++calls;
    etcdserverpb::LeaseKeepAliveRequest request;
    while (stream->Read(&request)) {
      if (request.id() == 13) {
        return grpc::Status(grpc::StatusCode::NOT_FOUND, "etcdserver: requested lease not found");
      }
      etcdserverpb::LeaseKeepAliveResponse response;
      response.set_id(request.id());
      response.set_ttl(10);
      stream->Write(response);
    }
    return grpc::Status::OK;
  }

  std::atomic<int> calls{0};
  std::atomic<int64_t> revoked{0};
  std::atomic<bool> entered{false};
  std::mutex mu;
  std::string last_token;  // Guarded by mu.
};

// Creates the watch, then sends an event every `every` (never, when 0)
// until the client cancels.
class FakeWatch final : public etcdserverpb::Watch::Service {
 public:
  grpc::Status Watch(grpc::ServerContext* ctx,
                     grpc::ServerReaderWriter<etcdserverpb::WatchResponse,
                                              etcdserverpb::WatchRequest>* stream) override {
    etcdserverpb::WatchRequest request;
    if (!stream->Read(&request)) return grpc::Status::OK;
    etcdserverpb::WatchResponse created;
    created.set_created(true);
    stream->Write(created);
    for (int64_t revision = 2; !ctx->IsCancelled(); ++revision) {
      // Paces the fake's events (and its look at the cancellation).
      std::this_thread::sleep_for(every.count() > 0 ? every : std::chrono::milliseconds(5));
      if (every.count() == 0) continue;
      etcdserverpb::WatchResponse event;
      event.mutable_header()->set_revision(revision);
      auto* e = event.add_events();
      e->mutable_kv()->set_key(request.create_request().key());
      e->mutable_kv()->set_mod_revision(revision);
      if (!stream->Write(event)) break;
    }
    cancelled = true;
    return grpc::Status::CANCELLED;
  }
  std::chrono::milliseconds every{10};
  std::atomic<bool> cancelled{false};
};

class RpcGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterService(&lease_);
    builder.RegisterService(&watch_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override { server_->Shutdown(std::chrono::system_clock::now()); }

  std::unique_ptr<RpcGateway> Gateway(std::chrono::milliseconds deadline = 10s,
                                      int max_streams = 8) {
    return std::make_unique<RpcGateway>(server_->InProcessChannel(grpc::ChannelArguments()),
                                        deadline, max_streams);
  }

  static std::unique_ptr<RpcGateway::StreamCall> Open(RpcGateway& gw, std::string_view path,
                                                      std::string_view body) {
    auto opened = gw.OpenStream(path, body, "");
    if (auto* refused = std::get_if<GatewayReply>(&opened)) {
      ADD_FAILURE() << path << ": " << refused->body;
      return nullptr;
    }
    return std::move(std::get<std::unique_ptr<RpcGateway::StreamCall>>(opened));
  }

  FakeLease lease_;
  FakeWatch watch_;
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

TEST_F(RpcGatewayTest, UnknownPathsAre404AndStreamingOnesGoThroughOpenStream) {
  auto gw = Gateway();
  GatewayReply unknown = gw->Handle("lease/nothing", "{}", "");
  EXPECT_EQ(unknown.http_status, 404);
  EXPECT_EQ(unknown.body, R"({"error":"Not Found","message":"Not Found","code":5})");
  for (std::string path :
       {"watch", "lease/keepalive", "maintenance/snapshot", "election/observe"}) {
    EXPECT_TRUE(RpcGateway::IsStreaming(path)) << path;
    EXPECT_EQ(gw->Handle(path, "{}", "").http_status, 501) << path;
  }
  EXPECT_FALSE(RpcGateway::IsStreaming("lease/grant"));
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

// Serves call to a client that stays; every chunk it got.
std::vector<std::string> ServeToEnd(RpcGateway::StreamCall& call) {
  std::vector<std::string> chunks;
  call.Serve(
      [&](std::string_view c) {
        chunks.emplace_back(c);
        return true;
      },
      [] { return true; });
  return chunks;
}

struct Chunks {
  std::mutex mu;
  std::vector<std::string> got;  // Guarded by mu.
  size_t size() {
    std::lock_guard lock(mu);
    return got.size();
  }
};

// Serves call on a thread of its own, into chunks, to a client that is
// there while alive() says so.
std::thread ServeInBackground(RpcGateway::StreamCall& call, Chunks* chunks,
                              std::function<bool()> alive) {
  return std::thread([&call, chunks, alive = std::move(alive)] {
    call.Serve(
        [chunks](std::string_view c) {
          std::lock_guard lock(chunks->mu);
          chunks->got.emplace_back(c);
          return true;
        },
        alive);
  });
}

TEST_F(RpcGatewayTest, AKeepAliveAnswersItsRequestAndEnds) {
  auto gw = Gateway();
  auto call = Open(*gw, "lease/keepalive", R"({"ID": "5"})");
  ASSERT_NE(call, nullptr);
  const std::vector<std::string> chunks = ServeToEnd(*call);
  EXPECT_EQ(chunks, std::vector<std::string>{"{\"result\":{\"ID\":\"5\",\"TTL\":\"10\"}}\n"});
}

TEST_F(RpcGatewayTest, AnErrorAfterTheStartIsTheLastChunk) {
  auto gw = Gateway();
  auto call = Open(*gw, "lease/keepalive", R"({"ID": "13"})");
  ASSERT_NE(call, nullptr);
  const std::vector<std::string> chunks = ServeToEnd(*call);
  EXPECT_EQ(chunks, std::vector<std::string>{
                        R"({"error":{"grpc_code":5,"http_code":404,"message":"etcdserver: )"
                        R"(requested lease not found","http_status":"Not Found"}})"
                        "\n"});
}

TEST_F(RpcGatewayTest, AWatchStreamsUntilAWriteFails) {
  auto gw = Gateway();
  auto call = Open(*gw, "watch", R"({"create_request": {"key": "Zm9v"}})");
  ASSERT_NE(call, nullptr);
  std::vector<std::string> chunks;
  call->Serve(
      [&](std::string_view c) {
        chunks.emplace_back(c);
        return chunks.size() < 3;  // The client leaves after the third.
      },
      [] { return true; });
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0], "{\"result\":{\"created\":true}}\n");
  EXPECT_NE(chunks[1].find(R"("key":"Zm9v")"), std::string::npos) << chunks[1];
  for (int i = 0; i < 3000 && !watch_.cancelled; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(watch_.cancelled) << "the gateway cancelled the call";
}

TEST_F(RpcGatewayTest, AQuietWatchEndsWhenItsClientGoes) {
  watch_.every = 0ms;  // Nothing after the creation: only the liveness check can end it.
  auto gw = Gateway();
  auto call = Open(*gw, "watch", R"({"create_request": {"key": "Zm9v"}})");
  ASSERT_NE(call, nullptr);
  std::atomic<bool> connected{true};
  Chunks chunks;
  std::thread client = ServeInBackground(*call, &chunks, [&] { return connected.load(); });
  for (int i = 0; i < 3000 && chunks.size() == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(chunks.size(), 1u) << "the creation";
  connected = false;
  client.join();  // Returns once the watchdog saw the client gone.
  for (int i = 0; i < 3000 && !watch_.cancelled; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(watch_.cancelled) << "the gateway cancelled the call";
  EXPECT_EQ(chunks.size(), 1u) << "nothing written to a client that left";
}

TEST_F(RpcGatewayTest, ShutdownEndsAWatchWithServerStopped) {
  watch_.every = 0ms;
  auto gw = Gateway();
  auto call = Open(*gw, "watch", R"({"create_request": {"key": "Zm9v"}})");
  ASSERT_NE(call, nullptr);
  Chunks chunks;
  std::thread client = ServeInBackground(*call, &chunks, [] { return true; });
  for (int i = 0; i < 3000 && chunks.size() == 0; ++i) std::this_thread::sleep_for(10ms);
  gw->Shutdown();
  client.join();
  std::lock_guard lock(chunks.mu);
  ASSERT_EQ(chunks.got.size(), 2u);
  EXPECT_NE(chunks.got[1].find("etcdserver: server stopped"), std::string::npos) << chunks.got[1];
  call.reset();
  auto after = gw->OpenStream("watch", "{}", "");
  ASSERT_TRUE(std::holds_alternative<GatewayReply>(after));
  EXPECT_EQ(std::get<GatewayReply>(after).http_status, 503);
}

TEST_F(RpcGatewayTest, StreamsAreBoundedAndBadBodiesRefused) {
  auto gw = Gateway(10s, /*max_streams=*/1);
  auto bad = gw->OpenStream("watch", R"({"create_request": )", "");
  ASSERT_TRUE(std::holds_alternative<GatewayReply>(bad));
  EXPECT_EQ(std::get<GatewayReply>(bad).http_status, 400);
  auto first = Open(*gw, "lease/keepalive", R"({"ID": "5"})");
  ASSERT_NE(first, nullptr);
  auto second = gw->OpenStream("lease/keepalive", R"({"ID": "5"})", "");
  ASSERT_TRUE(std::holds_alternative<GatewayReply>(second));
  EXPECT_EQ(std::get<GatewayReply>(second).http_status, 429);
  EXPECT_NE(std::get<GatewayReply>(second).body.find("at most 1 at a time"), std::string::npos);
  first.reset();
  EXPECT_NE(Open(*gw, "lease/keepalive", R"({"ID": "5"})"), nullptr) << "the slot came back";
}

}  // namespace
}  // namespace strata::api

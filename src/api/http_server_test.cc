// Real HTTP on 127.0.0.1 (port 0) with httplib::Client.
#include "api/http_server.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/http_fake_kv.h"
#include "kv/etcd_errors.h"

namespace strata::api {
namespace {

using testing::FakeKv;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kDocHeader =
    R"({"cluster_id":"12585971608760269493","member_id":"13847567121247652255",)"
    R"("revision":"2","raft_term":"3"})";

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    deps_.health = [this] {
      std::lock_guard<std::mutex> lock(mu_);
      return health_;
    };
    deps_.metrics = &metrics_;
    deps_.cluster_nodes = [] {
      NodeInfo a;
      a.id = 0x8e9e05c52164694dULL;
      a.name = "n1";
      a.peer_urls = {"http://127.0.0.1:2380"};
      a.client_urls = {"http://127.0.0.1:2379"};
      a.is_leader = true;
      a.raft_term = 5;
      a.applied_index = 42;
      NodeInfo b;
      b.id = 0xfd422379fda50e48ULL;
      b.name = "n2";
      b.peer_urls = {"http://127.0.0.1:22380"};
      b.is_learner = true;
      return std::vector<NodeInfo>{a, b};
    };
    deps_.stats = [] {
      MemberStats s;
      s.id = 0x8e9e05c52164694dULL;
      s.name = "n1";
      s.raft_term = 5;
      s.commit_index = 43;
      s.applied_index = 42;
      s.leader_id = 0x8e9e05c52164694dULL;
      s.revision = 7;
      s.db_size_bytes = 4096;
      return s;
    };
    deps_.kv = &kv_;
  }

  void Start(HttpOptions options = {}) {
    server_ = std::make_unique<HttpServer>(std::move(options), deps_);
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_GT(server_->port(), 0);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  }

  void SetHealth(bool has_leader, std::vector<std::string> alarms) {
    std::lock_guard<std::mutex> lock(mu_);
    health_.has_leader = has_leader;
    health_.alarms = std::move(alarms);
  }

  httplib::Result Post(const std::string& path, const std::string& body) {
    return client_->Post(path.c_str(), body, "application/json");
  }

  std::mutex mu_;
  HealthState health_;  // guarded by mu_
  Metrics metrics_;
  FakeKv kv_;
  HttpDeps deps_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpServerTest, HealthyWithLeaderAndNoAlarm) {
  SetHealth(true, {});
  Start();
  auto res = client_->Get("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"health":"true","reason":""})");
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_THAT(metrics_.SerializeText(), HasSubstr("\netcd_server_health_success 1\n"));
}

TEST_F(HttpServerTest, UnhealthyWithoutLeader) {
  SetHealth(false, {});
  Start();
  auto res = client_->Get("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->body, R"({"health":"false","reason":"RAFT NO LEADER"})");
  // etcd 3.5: serializable=true skips the leader check.
  res = client_->Get("/health?serializable=true");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(metrics_.SerializeText(), HasSubstr("\netcd_server_health_failures 1\n"));
}

TEST_F(HttpServerTest, UnhealthyWithAlarmUnlessExcluded) {
  SetHealth(true, {"NOSPACE"});
  Start();
  auto res = client_->Get("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->body, R"({"health":"false","reason":"ALARM NOSPACE"})");
  res = client_->Get("/health?exclude=NOSPACE");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"health":"true","reason":""})");
  SetHealth(true, {"NOSPACE", "CORRUPT"});
  res = client_->Get("/health?exclude=NOSPACE");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->body, R"({"health":"false","reason":"ALARM CORRUPT"})");
}

TEST_F(HttpServerTest, HealthWithoutSourceIsUnhealthy) {
  deps_.health = nullptr;
  Start();
  auto res = client_->Get("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(res->body, R"({"health":"false","reason":"NO HEALTH SOURCE"})");
}

TEST_F(HttpServerTest, MetricsServesPrometheusText) {
  Start();
  metrics_.proposals_failed().Increment();
  metrics_.proposals_failed().Increment();
  metrics_.has_leader().Set(1);
  metrics_.observe_request("/etcdserverpb.KV/Range", 0, 0.001);
  auto res = client_->Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->get_header_value("Content-Type"), StartsWith("text/plain; version=0.0.4"));
  EXPECT_THAT(res->body, HasSubstr("\netcd_server_proposals_failed_total 2\n"));
  EXPECT_THAT(res->body, HasSubstr("\netcd_server_has_leader 1\n"));
  EXPECT_THAT(res->body, HasSubstr("grpc_server_handled_total{grpc_code=\"OK\",grpc_method="
                                   "\"Range\",grpc_service=\"etcdserverpb.KV\",grpc_type="
                                   "\"unary\"} 1\n"));
}

TEST_F(HttpServerTest, ClusterNodesJsonShape) {
  Start();
  auto res = client_->Get("/api/cluster/nodes");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(res->body,
            R"([{"id":"8e9e05c52164694d","name":"n1","peer_urls":["http://127.0.0.1:2380"],)"
            R"("client_urls":["http://127.0.0.1:2379"],"is_learner":false,"is_leader":true,)"
            R"("raft_term":5,"applied_index":42},)"
            R"({"id":"fd422379fda50e48","name":"n2","peer_urls":["http://127.0.0.1:22380"],)"
            R"("client_urls":[],"is_learner":true,"is_leader":false}])");
}

TEST_F(HttpServerTest, StatsJsonShape) {
  Start();
  metrics_.observe_request("/etcdserverpb.KV/Put", 0, 0.001);
  auto res = client_->Get("/api/stats");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"id":"8e9e05c52164694d","name":"n1","raft_term":5,"commit_index":43,)"
                       R"("applied_index":42,"leader_id":"8e9e05c52164694d","revision":7,)"
                       R"("db_size_bytes":4096,"requests_served":1})");
}

TEST_F(HttpServerTest, StatsWithoutLeaderHasNullLeader) {
  deps_.stats = [] { return MemberStats{}; };
  Start();
  auto res = client_->Get("/api/stats");
  ASSERT_TRUE(res);
  EXPECT_THAT(res->body, HasSubstr(R"("leader_id":null)"));
}

TEST_F(HttpServerTest, MissingSourcesAnswer501) {
  deps_.cluster_nodes = nullptr;
  deps_.stats = nullptr;
  deps_.metrics = nullptr;
  Start();
  for (const char* path : {"/api/cluster/nodes", "/api/stats", "/metrics"}) {
    auto res = client_->Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 501) << path;
    EXPECT_THAT(res->body, HasSubstr(R"("code":12)")) << path;
  }
}

TEST_F(HttpServerTest, GatewayPutThenRangeAsEtcdDocuments) {
  Start();
  // The curl examples of etcd's dev-guide/api_grpc_gateway.md, verbatim.
  auto put = Post("/v3/kv/put", R"({"key": "Zm9v", "value": "YmFy"})");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 200);
  EXPECT_EQ(put->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(put->body, std::string(R"({"header":)") + kDocHeader + "}");

  auto range = Post("/v3/kv/range", R"({"key": "Zm9v"})");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->status, 200);
  EXPECT_EQ(range->body, std::string(R"({"header":)") + kDocHeader +
                             R"(,"kvs":[{"key":"Zm9v","create_revision":"2","mod_revision":"2",)"
                             R"("version":"1","value":"YmFy"}],"count":"1"})");

  // Prefix range "foo".."fop", via etcd 3.4's /v3beta alias.
  auto prefix = Post("/v3beta/kv/range", R"({"key": "Zm9v", "range_end": "Zm9w"})");
  ASSERT_TRUE(prefix);
  EXPECT_EQ(prefix->status, 200);
  EXPECT_EQ(prefix->body, range->body);

  // Gateway calls count like gRPC calls.
  EXPECT_EQ(metrics_.requests_served(), 3u);
  EXPECT_THAT(metrics_.SerializeText(),
              HasSubstr("grpc_server_handled_total{grpc_code=\"OK\",grpc_method=\"Put\","
                        "grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"} 1\n"));
}

TEST_F(HttpServerTest, GatewayTxnDeleteRangeAndCompaction) {
  Start();
  ASSERT_EQ(Post("/v3/kv/put", R"({"key":"Zm9v","value":"YmFy"})")->status, 200);
  auto txn = Post("/v3/kv/txn",
                  R"({"compare":[{"key":"Zm9v","result":"EQUAL","target":"VALUE","value":"YmFy"}],)"
                  R"("success":[{"request_put":{"key":"Zm9v","value":"YmF6","prev_kv":true}}]})");
  ASSERT_TRUE(txn);
  EXPECT_EQ(txn->status, 200);
  EXPECT_EQ(txn->body,
            R"({"header":{"cluster_id":"12585971608760269493","member_id":"13847567121247652255",)"
            R"("revision":"3","raft_term":"3"},"succeeded":true,"responses":[{"response_put":)"
            R"({"header":{"cluster_id":"12585971608760269493","member_id":"13847567121247652255",)"
            R"("revision":"3","raft_term":"3"},"prev_kv":{"key":"Zm9v","create_revision":"2",)"
            R"("mod_revision":"2","version":"1","value":"YmFy"}}}]})");

  auto del = Post("/v3/kv/deleterange", R"({"key":"Zm9v"})");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 200);
  EXPECT_THAT(del->body, HasSubstr(R"("deleted":"1")"));

  auto compact = Post("/v3/kv/compaction", R"({"revision":"3"})");
  ASSERT_TRUE(compact);
  EXPECT_EQ(compact->status, 200);
  EXPECT_THAT(compact->body, StartsWith(R"({"header":{)"));

  // Reading below the compacted revision: OutOfRange -> 400.
  auto old = Post("/v3/kv/range", R"({"key":"Zm9v","revision":"2"})");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->status, 400);
  EXPECT_EQ(old->body,
            R"({"error":"etcdserver: mvcc: required revision has been compacted",)"
            R"("message":"etcdserver: mvcc: required revision has been compacted","code":11})");
}

TEST_F(HttpServerTest, GatewayEtcdErrorJson) {
  Start();
  auto res = Post("/v3/kv/put", R"({"value": "YmFy"})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(res->body, R"({"error":"etcdserver: key is not provided",)"
                       R"("message":"etcdserver: key is not provided","code":3})");
  // An empty body is an empty request, as in etcd's gateway.
  res = Post("/v3/kv/range", "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_THAT(res->body, HasSubstr("etcdserver: key is not provided"));
}

TEST_F(HttpServerTest, GatewayMapsGrpcCodesToHttpStatus) {
  Start();
  struct Case {
    Status error;
    int http_status;
    int grpc_code;
  };
  using kv::EtcdError;
  using kv::MakeEtcdError;
  const Case cases[] = {
      {MakeEtcdError(EtcdError::kNoLeader), 503, 14},
      {MakeEtcdError(EtcdError::kNoSpace), 429, 8},
      {MakeEtcdError(EtcdError::kPermissionDenied), 403, 7},
      {MakeEtcdError(EtcdError::kInvalidAuthToken), 401, 16},
      {MakeEtcdError(EtcdError::kLeaseNotFound), 404, 5},
      {MakeEtcdError(EtcdError::kFutureRev), 400, 11},
      {MakeEtcdError(EtcdError::kAuthNotEnabled), 400, 9},  // FailedPrecondition
      {MakeEtcdError(EtcdError::kCorrupt), 500, 15},
      {Status::Internal("boom"), 500, 13},
      // Node-layer errors become etcd's (api/etcd_status.h), as over gRPC.
      {Status::NotLeader("not leader"), 400, 9},
      {Status::Unavailable("no leader"), 503, 14},
  };
  for (const Case& c : cases) {
    kv_.FailWith(c.error);
    auto res = Post("/v3/kv/range", R"({"key":"Zm9v"})");
    ASSERT_TRUE(res) << c.error.ToString();
    EXPECT_EQ(res->status, c.http_status) << c.error.ToString();
    EXPECT_THAT(res->body, HasSubstr(R"("code":)" + std::to_string(c.grpc_code) + "}"))
        << c.error.ToString();
  }
}

TEST_F(HttpServerTest, GatewayMalformedJsonIs400) {
  Start();
  auto res = Post("/v3/kv/put", R"({"key": "Zm9v", "value": )");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_THAT(res->body, HasSubstr(R"("error":"malformed JSON for etcdserverpb.PutRequest: )"));
  EXPECT_THAT(res->body, HasSubstr(R"("code":3})"));
  res = Post("/v3/kv/put", R"({"key": 12})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(kv_.calls(), 0);
}

TEST_F(HttpServerTest, OversizedBodyIs413) {
  HttpOptions options;
  options.max_body_bytes = 1024;
  Start(options);
  std::string big = R"({"key":"Zm9v","value":")" + std::string(2000, 'A') + R"("})";
  auto res = Post("/v3/kv/put", big);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(res->body,
            R"({"error":"request body is larger than the limit of 1024 bytes",)"
            R"("message":"request body is larger than the limit of 1024 bytes","code":8})");
  EXPECT_EQ(kv_.calls(), 0);
  // A body within the limit still works (on a new connection).
  httplib::Client fresh("127.0.0.1", server_->port());
  auto ok = fresh.Post("/v3/kv/put", R"({"key":"Zm9v","value":"YmFy"})", "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(HttpServerTest, UnknownPathIsJson404) {
  Start();
  auto res = client_->Get("/no/such/path");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(res->body, R"({"error":"Not Found","message":"Not Found","code":5})");
  res = Post("/v3/kv/lease", "{}");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

TEST_F(HttpServerTest, NoKvFrontendMeansNoGatewayRoutes) {
  deps_.kv = nullptr;
  Start();
  auto res = Post("/v3/kv/range", R"({"key":"Zm9v"})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

TEST_F(HttpServerTest, GatewayDeadlineIs504) {
  HttpOptions options;
  options.kv_deadline = std::chrono::milliseconds(100);
  Start(options);
  kv_.Hold(true);
  auto res = Post("/v3/kv/range", R"({"key":"Zm9v"})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 504);
  EXPECT_THAT(res->body, HasSubstr(R"("code":4})"));
  kv_.ReleaseHeld();
}

TEST_F(HttpServerTest, ConcurrentClients) {
  Start();
  constexpr int kThreads = 4;
  constexpr int kPuts = 25;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      httplib::Client c("127.0.0.1", server_->port());
      c.set_keep_alive(true);
      c.set_tcp_nodelay(true);
      for (int i = 0; i < kPuts; ++i) {
        auto r = c.Post("/v3/kv/put", R"({"key":"Zm9v","value":"YmFy"})", "application/json");
        if (r && r->status == 200) ok.fetch_add(1);
        auto h = c.Get("/health");
        (void)h;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kPuts);
  EXPECT_EQ(metrics_.requests_served(), static_cast<uint64_t>(kThreads * kPuts));
}

TEST_F(HttpServerTest, StopIsPromptWithBlockedCallAndIdleKeepAlive) {
  HttpOptions options;
  options.kv_deadline = std::chrono::seconds(60);
  Start(options);

  // An idle keep-alive connection.
  httplib::Client idle("127.0.0.1", server_->port());
  idle.set_keep_alive(true);
  ASSERT_TRUE(idle.Get("/health"));

  // A gateway call blocked in the frontend.
  kv_.Hold(true);
  auto blocked = std::async(std::launch::async, [&] {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(std::chrono::seconds(30));
    return c.Post("/v3/kv/put", R"({"key":"Zm9v","value":"YmFy"})", "application/json");
  });
  kv_.WaitForCalls(1);

  const auto start = std::chrono::steady_clock::now();
  server_->Stop();
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(3));

  auto res = blocked.get();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_THAT(res->body, HasSubstr("etcdserver: server stopped"));

  // Stopped: new connections are refused; Stop() is idempotent.
  httplib::Client after("127.0.0.1", server_->port());
  EXPECT_FALSE(after.Get("/health"));
  server_->Stop();
  kv_.ReleaseHeld();
}

TEST_F(HttpServerTest, StopRightAfterStart) {
  for (int i = 0; i < 20; ++i) {
    HttpServer s(HttpOptions{}, deps_);
    ASSERT_TRUE(s.Start().ok());
    s.Stop();
  }
}

TEST_F(HttpServerTest, StartErrors) {
  Start();
  EXPECT_TRUE(server_->Start().Is(StatusCode::kFailedPrecondition));

  HttpOptions taken;
  taken.port = server_->port();
  HttpServer clash(taken, deps_);
  EXPECT_TRUE(clash.Start().Is(StatusCode::kUnavailable));

  HttpOptions bad;
  bad.worker_threads = 0;
  HttpServer invalid(bad, deps_);
  EXPECT_TRUE(invalid.Start().Is(StatusCode::kInvalidArgument));
}

TEST(MemberIdHexTest, LowercaseNoPadding) {
  EXPECT_EQ(MemberIdHex(0x8e9e05c52164694dULL), "8e9e05c52164694d");
  EXPECT_EQ(MemberIdHex(0x1aULL), "1a");
  EXPECT_EQ(MemberIdHex(0), "0");
}

}  // namespace
}  // namespace strata::api

// HttpServer: strata-server's HTTP port (cpp-httplib).
//
//   GET  /health             {"health":"true","reason":""} (200) when a leader is
//                            known and no alarm is active, else 503 and
//                            {"health":"false","reason":"RAFT NO LEADER"} or
//                            "ALARM <NAME>" (etcd 3.5's reasons). Query
//                            parameters as etcd's: exclude=<ALARM> (repeatable)
//                            ignores that alarm, serializable=true skips the
//                            leader check.
//   GET  /metrics            Metrics::SerializeText(), Prometheus text format.
//   GET  /api/cluster/nodes  JSON array of NodeInfo (see NodeInfoToJson).
//   GET  /api/stats          JSON object of MemberStats plus requests_served.
//   POST /v3/kv/{range,put,deleterange,txn,compaction} (and /v3beta/...)
//                            etcd's JSON gateway, see http_gateway.h.
//
// Errors are JSON in the gateway's shape {"error","message","code"}: 404 for
// unknown paths, 413 for bodies over max_body_bytes.
//
// Threading: a listener thread plus a fixed pool of worker_threads workers
// (and max_gateway_streams more with the RPC gateway); each keep-alive
// connection holds a worker while open (up to keep_alive_timeout when idle).
// Gateway calls block their worker until the frontend answers (at most
// kv_deadline); a gateway stream (a watch) holds its worker until it ends.
//
// Thread-safety: Start(), Stop() and port() may be called from any thread;
// the HttpDeps callbacks are called concurrently from the workers.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/kv_frontend.h"
#include "api/metrics.h"
#include "base/status.h"

namespace grpc {
class Channel;
}  // namespace grpc

namespace httplib {
class Server;
}  // namespace httplib

namespace strata::api {

class KvGateway;
class RpcGateway;

struct HealthState {
  // True when this member knows the current leader.
  bool has_leader = false;
  // Active alarms, etcd's names: "NOSPACE", "CORRUPT".
  std::vector<std::string> alarms;
};

// One member of the cluster as /api/cluster/nodes shows it.
struct NodeInfo {
  uint64_t id = 0;
  std::string name;
  std::vector<std::string> peer_urls;
  std::vector<std::string> client_urls;
  bool is_learner = false;
  bool is_leader = false;
  // Where known (this member; the leader's view of its followers).
  std::optional<uint64_t> raft_term;
  std::optional<uint64_t> applied_index;
};

// This member's state as /api/stats shows it.
struct MemberStats {
  uint64_t id = 0;
  std::string name;
  uint64_t raft_term = 0;
  uint64_t commit_index = 0;
  uint64_t applied_index = 0;
  // 0: no leader known.
  uint64_t leader_id = 0;
  int64_t revision = 0;
  int64_t db_size_bytes = 0;
};

// Member ids as etcd prints them: lowercase hex, no leading zeros ("8e9e05c52164694d").
std::string MemberIdHex(uint64_t id);

// {"id":"8e9e05c52164694d","name":"n1","peer_urls":[...],"client_urls":[...],
//  "is_learner":false,"is_leader":true,"raft_term":5,"applied_index":42};
// raft_term and applied_index only when known. Ids are hex strings (they do
// not fit a JSON number's 53 bits); terms and indexes are numbers.
nlohmann::ordered_json NodeInfoToJson(const NodeInfo& node);

// {"id":"..","name":"..","raft_term":5,"commit_index":42,"applied_index":42,
//  "leader_id":"8e9e05c52164694d" (null when none),"revision":7,
//  "db_size_bytes":4096,"requests_served":N}.
nlohmann::ordered_json MemberStatsToJson(const MemberStats& stats, uint64_t requests_served);

// Where the server gets its data. Every callback may be empty and every
// pointer null: the endpoint then answers 501 ("not available"), except
// /health, which reports unhealthy ("NO HEALTH SOURCE").
struct HttpDeps {
  std::function<HealthState()> health;
  // Not owned; must outlive the server.
  Metrics* metrics = nullptr;
  // Runs before /metrics is served, to refresh gauges that are read on
  // demand (e.g. the database size). May be empty.
  std::function<void()> before_scrape;
  std::function<std::vector<NodeInfo>()> cluster_nodes;
  std::function<MemberStats()> stats;
  // Not owned; must outlive the server. Null: no /v3/kv routes (404).
  KvFrontend* kv = nullptr;
  // Where the rest of the JSON gateway sends its calls (RpcGateway): this
  // member's gRPC services. Null: no /v3 routes besides /v3/kv (404).
  std::shared_ptr<grpc::Channel> rpc_channel;
  // Resolves the caller of a gateway call from its Authorization header (the
  // token, as etcd's gateway takes it). Empty: every call is anonymous.
  std::function<Result<Caller>(const std::string& token)> authenticate;
  // Fault injection (only with --experimental-fault-injection; else empty):
  // GET /debug/faults answers faults_state(); PUT sets them from the JSON
  // body ({"blocked_to":["<hex id>",...],"blocked_from":[...],
  // "delay_min_ms":N,"delay_max_ms":M,"disk_stall_min_ms":N,
  // "disk_stall_max_ms":M}, each field optional) and answers 400 with the
  // message on a bad body; DELETE heals.
  std::function<std::string()> faults_state;
  std::function<Status(const std::string& body)> set_faults;
};

struct HttpOptions {
  // Address to listen on. Default: 127.0.0.1.
  std::string host = "127.0.0.1";
  // 0 picks a free port; port() reports it. Default: 0.
  int port = 0;
  // Largest request body accepted, else 413. Default: 2.5 MiB: etcd's
  // --max-request-bytes (1.5 MiB) grown by base64 (x4/3 = 2 MiB) plus etcd's
  // 512 KiB gRPC overhead allowance. The frontend checks the decoded size.
  size_t max_body_bytes = 2 * 1024 * 1024 + 512 * 1024;
  // Worker threads serving connections. Default: 4 (blocking gateway calls
  // and idle keep-alive connections must not starve /health on 2 cores).
  int worker_threads = 4;
  // Streaming gateway calls (/v3/watch, ...) open at a time, each with a
  // worker of its own; more are refused with 429. Default: 8.
  int max_gateway_streams = 8;
  // How long a gateway call waits for the frontend, else 504. Default: 10 s.
  std::chrono::milliseconds kv_deadline{10000};
  // An idle keep-alive connection is closed after this long; it bounds how
  // long Stop() can wait for such a connection. Default: 1 s.
  std::chrono::seconds keep_alive_timeout{1};
  // Reading one request may take this long. Default: 5 s.
  std::chrono::seconds read_timeout{5};
};

class HttpServer {
 public:
  HttpServer(HttpOptions options, HttpDeps deps);
  // Stops the server if running.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port and starts the threads; connections are accepted from
  // the moment it returns. Errors: InvalidArgument for a bad option,
  // Unavailable when the address cannot be bound, FailedPrecondition when
  // already started.
  // REQUIRES: not started before (a server is started at most once).
  Status Start();

  // The bound port. REQUIRES: Start() succeeded.
  int port() const { return port_; }

  // Stops accepting, fails waiting gateway calls with 503, and joins every
  // thread. Returns within about keep_alive_timeout (read_timeout when a
  // client is mid-request). Idempotent.
  void Stop();

 private:
  void Route();

  const HttpOptions options_;
  const HttpDeps deps_;
  std::unique_ptr<httplib::Server> server_;
  std::unique_ptr<KvGateway> gateway_;
  std::unique_ptr<RpcGateway> rpc_gateway_;
  std::thread listener_;
  std::atomic<bool> listener_done_{false};
  int port_ = 0;

  std::mutex mu_;
  bool started_ = false;  // guarded by mu_
  bool stopped_ = false;  // guarded by mu_
};

}  // namespace strata::api

#include "api/http_server.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <exception>
#include <string_view>
#include <utility>

#include <httplib.h>
#include <sys/socket.h>

#include "api/etcd_status.h"
#include "api/http_gateway.h"
#include "api/rpc_gateway.h"

namespace strata::api {
namespace {

constexpr const char* kJson = "application/json";
constexpr int kGrpcInvalidArgument = 3;
constexpr int kGrpcNotFound = 5;
constexpr int kGrpcResourceExhausted = 8;
constexpr int kGrpcUnimplemented = 12;
constexpr int kGrpcInternal = 13;

std::string Dump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void Reply(httplib::Response& res, const GatewayReply& reply) {
  res.status = reply.http_status;
  res.set_content(reply.body, kJson);
}

void NotAvailable(httplib::Response& res, std::string_view what) {
  Reply(res, GatewayError(kGrpcUnimplemented, std::string(what) + " is not available"));
}

// The JSON body for an error httplib produced itself (no handler ran).
GatewayReply ErrorForStatus(int http_status, size_t max_body_bytes) {
  switch (http_status) {
    case 404:
      return GatewayError(kGrpcNotFound, "Not Found");
    case 413: {
      GatewayReply r =
          GatewayError(kGrpcResourceExhausted, "request body is larger than the limit of " +
                                                   std::to_string(max_body_bytes) + " bytes");
      r.http_status = 413;
      return r;
    }
    case 400: {
      GatewayReply r = GatewayError(kGrpcInvalidArgument, "Bad Request");
      r.http_status = 400;
      return r;
    }
    default: {
      GatewayReply r = GatewayError(kGrpcInternal, "HTTP status " + std::to_string(http_status));
      r.http_status = http_status;
      return r;
    }
  }
}

}  // namespace

std::string MemberIdHex(uint64_t id) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%" PRIx64, id);
  return buf;
}

nlohmann::ordered_json NodeInfoToJson(const NodeInfo& node) {
  nlohmann::ordered_json j;
  j["id"] = MemberIdHex(node.id);
  j["name"] = node.name;
  j["peer_urls"] = node.peer_urls;
  j["client_urls"] = node.client_urls;
  j["is_learner"] = node.is_learner;
  j["is_leader"] = node.is_leader;
  if (node.raft_term.has_value()) j["raft_term"] = *node.raft_term;
  if (node.applied_index.has_value()) j["applied_index"] = *node.applied_index;
  return j;
}

nlohmann::ordered_json MemberStatsToJson(const MemberStats& stats, uint64_t requests_served) {
  nlohmann::ordered_json j;
  j["id"] = MemberIdHex(stats.id);
  j["name"] = stats.name;
  j["raft_term"] = stats.raft_term;
  j["commit_index"] = stats.commit_index;
  j["applied_index"] = stats.applied_index;
  if (stats.leader_id == 0) {
    j["leader_id"] = nullptr;
  } else {
    j["leader_id"] = MemberIdHex(stats.leader_id);
  }
  j["revision"] = stats.revision;
  j["db_size_bytes"] = stats.db_size_bytes;
  j["requests_served"] = requests_served;
  return j;
}

HttpServer::HttpServer(HttpOptions options, HttpDeps deps)
    : options_(std::move(options)), deps_(std::move(deps)) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_) return Status::FailedPrecondition("http server already started");
  if (options_.port < 0 || options_.port > 65535) {
    return Status::InvalidArgument("http port out of range: " + std::to_string(options_.port));
  }
  if (options_.worker_threads < 1) {
    return Status::InvalidArgument("http worker_threads must be at least 1");
  }
  if (options_.max_body_bytes == 0) {
    return Status::InvalidArgument("http max_body_bytes must be positive");
  }

  server_ = std::make_unique<httplib::Server>();
  if (options_.max_gateway_streams < 0) {
    return Status::InvalidArgument("http max_gateway_streams must not be negative");
  }
  const size_t workers = static_cast<size_t>(
      options_.worker_threads + (deps_.rpc_channel != nullptr ? options_.max_gateway_streams : 0));
  server_->new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  server_->set_payload_max_length(options_.max_body_bytes);
  server_->set_tcp_nodelay(true);
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let a
  // second server bind the same port and silently share its connections.
  server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server_->set_keep_alive_timeout(options_.keep_alive_timeout.count());
  server_->set_read_timeout(options_.read_timeout.count(), 0);
  if (deps_.kv != nullptr) {
    gateway_ = std::make_unique<KvGateway>(deps_.kv, deps_.metrics, options_.kv_deadline);
  }
  if (deps_.rpc_channel != nullptr) {
    rpc_gateway_ = std::make_unique<RpcGateway>(deps_.rpc_channel, options_.kv_deadline,
                                                options_.max_gateway_streams);
  }
  Route();

  if (options_.port == 0) {
    port_ = server_->bind_to_any_port(options_.host);
    if (port_ <= 0) {
      return Status::Unavailable("cannot bind http server to " + options_.host + ":0");
    }
  } else {
    if (!server_->bind_to_port(options_.host, options_.port)) {
      return Status::Unavailable("cannot bind http server to " + options_.host + ":" +
                                 std::to_string(options_.port));
    }
    port_ = options_.port;
  }
  started_ = true;
  listener_ = std::thread([this] {
    server_->listen_after_bind();
    listener_done_.store(true);
  });
  return Status::Ok();
}

void HttpServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_ || stopped_) return;
    stopped_ = true;
  }
  if (gateway_ != nullptr) gateway_->Shutdown();
  if (rpc_gateway_ != nullptr) rpc_gateway_->Shutdown();
  // httplib's stop() does nothing until the listener has entered its accept
  // loop (is_running()); the wait is microseconds after a fresh Start().
  while (!server_->is_running() && !listener_done_.load()) {
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  server_->stop();
  listener_.join();
}

void HttpServer::Route() {
  httplib::Server& s = *server_;

  s.Get("/health", [this](const httplib::Request& req, httplib::Response& res) {
    nlohmann::ordered_json body;
    std::string reason;
    if (!deps_.health) {
      reason = "NO HEALTH SOURCE";
    } else {
      HealthState h = deps_.health();
      std::vector<std::string> excluded;
      for (size_t i = 0; i < req.get_param_value_count("exclude"); ++i) {
        excluded.push_back(req.get_param_value("exclude", i));
      }
      for (const std::string& alarm : h.alarms) {
        if (std::find(excluded.begin(), excluded.end(), alarm) == excluded.end()) {
          reason = "ALARM " + alarm;
          break;
        }
      }
      bool serializable = req.get_param_value("serializable") == "true";
      if (reason.empty() && !serializable && !h.has_leader) reason = "RAFT NO LEADER";
    }
    const bool healthy = reason.empty();
    if (deps_.metrics != nullptr) {
      (healthy ? deps_.metrics->health_success() : deps_.metrics->health_failures()).Increment();
    }
    body["health"] = healthy ? "true" : "false";
    body["reason"] = reason;
    res.status = healthy ? 200 : 503;
    res.set_content(Dump(body), kJson);
  });

  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    if (deps_.metrics == nullptr) return NotAvailable(res, "metrics");
    if (deps_.before_scrape) deps_.before_scrape();
    res.set_content(deps_.metrics->SerializeText(), std::string(Metrics::kContentType).c_str());
  });

  s.Get("/api/cluster/nodes", [this](const httplib::Request&, httplib::Response& res) {
    if (!deps_.cluster_nodes) return NotAvailable(res, "cluster membership");
    nlohmann::ordered_json nodes = nlohmann::ordered_json::array();
    for (const NodeInfo& node : deps_.cluster_nodes()) nodes.push_back(NodeInfoToJson(node));
    res.set_content(Dump(nodes), kJson);
  });

  s.Get("/api/stats", [this](const httplib::Request&, httplib::Response& res) {
    if (!deps_.stats) return NotAvailable(res, "member stats");
    uint64_t served = deps_.metrics != nullptr ? deps_.metrics->requests_served() : 0;
    res.set_content(Dump(MemberStatsToJson(deps_.stats(), served)), kJson);
  });

  if (deps_.faults_state && deps_.set_faults) {
    s.Get("/debug/faults", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(deps_.faults_state(), kJson);
    });
    s.Put("/debug/faults", [this](const httplib::Request& req, httplib::Response& res) {
      Status set = deps_.set_faults(req.body);
      if (!set.ok()) {
        res.status = 400;
        return res.set_content(Dump(nlohmann::ordered_json{{"error", set.message()}}), kJson);
      }
      res.set_content(deps_.faults_state(), kJson);
    });
    s.Delete("/debug/faults", [this](const httplib::Request&, httplib::Response& res) {
      (void)deps_.set_faults("{}");
      res.set_content(deps_.faults_state(), kJson);
    });
  }

  if (gateway_ != nullptr) {
    // etcd 3.4 serves /v3/ and rewrites /v3beta/ to it.
    s.Post(R"(/v3(?:beta)?/kv/([a-z]+))",
           [this](const httplib::Request& req, httplib::Response& res) {
             Caller caller;
             if (deps_.authenticate) {
               Result<Caller> who = deps_.authenticate(req.get_header_value("Authorization"));
               if (!who.ok()) {
                 grpc::Status g = ToGrpcStatus(who.status());
                 return Reply(res, GatewayError(g.error_code(), g.error_message()));
               }
               caller = std::move(*who);
             }
             Reply(res, gateway_->Handle(req.matches[1].str(), req.body, caller));
           });
  }
  if (rpc_gateway_ != nullptr) {
    // After /v3/kv/<op>: the other services, and etcd's /v3/kv/lease/* aliases.
    s.Post(R"(/v3(?:beta)?/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string path = req.matches[1].str();
      const std::string token = req.get_header_value("Authorization");
      if (!RpcGateway::IsStreaming(path)) {
        return Reply(res, rpc_gateway_->Handle(path, req.body, token));
      }
      auto opened = rpc_gateway_->OpenStream(path, req.body, token);
      if (auto* refused = std::get_if<GatewayReply>(&opened)) return Reply(res, *refused);
      // Owned by the provider, so the stream slot is given back even if the
      // provider never runs (the client left before the headers went out).
      std::shared_ptr<RpcGateway::StreamCall> call =
          std::move(std::get<std::unique_ptr<RpcGateway::StreamCall>>(opened));
      res.set_chunked_content_provider(kJson, [call](size_t, httplib::DataSink& sink) {
        call->Serve(
            [&sink](std::string_view chunk) { return sink.write(chunk.data(), chunk.size()); },
            [&sink] { return sink.is_writable(); });
        sink.done();
        return true;
      });
    });
  }

  // Errors httplib answers by itself (no route, body too large, unparsable
  // request) get a JSON body in the gateway's error shape.
  s.set_error_handler(
      httplib::Server::HandlerWithResponse([this](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        Reply(res, ErrorForStatus(res.status, options_.max_body_bytes));
        return httplib::Server::HandlerResponse::Handled;
      }));
  s.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "internal error";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        Reply(res, GatewayError(kGrpcInternal, what));
      });
}

}  // namespace strata::api

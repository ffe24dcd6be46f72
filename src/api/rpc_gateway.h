// The rest of etcd's JSON gateway: every RPC of the Watch, Lease, Cluster,
// Maintenance, Auth, Lock and Election services at etcd's POST path
// (/v3/lease/grant, /v3/watch, /v3/cluster/member/list, /v3/auth/user/add,
// ..., including etcd's /v3/kv/lease/* aliases), proxied to this member's
// own gRPC services through a channel: an in-process one in the server, as
// etcd's grpc-gateway proxies to its own gRPC listener. Bodies and errors
// are printed as KvGateway prints them (http_gateway.h); the HTTP
// Authorization header travels as the call's token.
//
// The streaming RPCs (/v3/watch, /v3/lease/keepalive,
// /v3/maintenance/snapshot, /v3/election/observe) answer as grpc-gateway
// v1 streams them: one request from the body, then each response as a
// chunk {"result":<response>} and a newline; an error once the stream has
// begun is a last chunk {"error":{"grpc_code":..,"http_code":..,
// "message":..,"http_status":..}}. A keep-alive ends after its answer (the
// body is the whole request stream); a watch or an observe runs until the
// client goes away (polled every 250 ms) or Shutdown.
//
// Thread-safety: all methods are safe to call concurrently.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <variant>

#include "api/http_gateway.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "etcd/v3electionpb/v3election.grpc.pb.h"
#include "etcd/v3lockpb/v3lock.grpc.pb.h"

namespace strata::api {

class RpcGateway {
 public:
  // Calls go to channel and wait at most `deadline` for their answer;
  // at most max_streams streaming calls are open at a time.
  RpcGateway(std::shared_ptr<grpc::Channel> channel, std::chrono::milliseconds deadline,
             int max_streams = 8);
  ~RpcGateway();  // Shutdown().
  RpcGateway(const RpcGateway&) = delete;
  RpcGateway& operator=(const RpcGateway&) = delete;

  // Serves POST /v3/<path> (path without the prefix: "lease/grant") with
  // body, as the caller holding token ("" for none). 404 for a path etcd's
  // gateway does not have, 501 for a streaming RPC's path; otherwise the
  // RPC's answer, or its error (504 when the deadline passed, 503 after
  // Shutdown).
  GatewayReply Handle(std::string_view path, std::string_view body, const std::string& token);

  // Cancels the calls in flight and makes later ones fail at once with
  // etcd's "server stopped". Idempotent.
  void Shutdown();

  // Whether path is a streaming RPC's (served by OpenStream, not Handle).
  static bool IsStreaming(std::string_view path);

  // A streaming call, holding one of the gateway's stream slots until it is
  // destroyed. REQUIRES: destroyed before the gateway.
  class StreamCall {
   public:
    using Write = std::function<bool(std::string_view chunk)>;
    using Run = std::function<grpc::Status(grpc::ClientContext* ctx, const Write& write)>;
    StreamCall(RpcGateway* gateway, Run run, std::string token);
    ~StreamCall();
    StreamCall(const StreamCall&) = delete;
    StreamCall& operator=(const StreamCall&) = delete;

    // Runs the call to its end: write sends a chunk (false: the client is
    // gone, which ends the call); alive says whether the client is still
    // connected (called from the gateway's watchdog thread, under a lock).
    void Serve(const Write& write, std::function<bool()> alive);

   private:
    RpcGateway* const gateway_;
    const Run run_;
    const std::string token_;
  };

  // Opens the streaming call of path with the request in body, as the
  // caller holding token; or the reply to send instead: 400 for a malformed
  // body, 429 when max_streams calls are open, 503 after Shutdown.
  // REQUIRES: IsStreaming(path).
  std::variant<GatewayReply, std::unique_ptr<StreamCall>> OpenStream(std::string_view path,
                                                                     std::string_view body,
                                                                     std::string token);

 private:
  // Cancels the streams whose clients went away, every 250 ms.
  void Watchdog();
  // Registers a call about to start, for Shutdown (and, with alive, for the
  // watchdog); false after Shutdown.
  bool Track(grpc::ClientContext* ctx, std::function<bool()> alive = nullptr);
  // Forgets a finished call; true if Shutdown came meanwhile.
  bool Untrack(grpc::ClientContext* ctx);
  using Handler = std::function<GatewayReply(std::string_view body, grpc::ClientContext* ctx)>;
  template <typename Stub, typename Req, typename Resp>
  void Add(std::string path, Stub* stub,
           grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*));

  const std::chrono::milliseconds deadline_;
  std::unique_ptr<etcdserverpb::Lease::Stub> lease_;
  std::unique_ptr<etcdserverpb::Cluster::Stub> cluster_;
  std::unique_ptr<etcdserverpb::Maintenance::Stub> maintenance_;
  std::unique_ptr<etcdserverpb::Auth::Stub> auth_;
  std::unique_ptr<v3lockpb::Lock::Stub> lock_;
  std::unique_ptr<v3electionpb::Election::Stub> election_;
  std::map<std::string, Handler, std::less<>> routes_;  // Filled by the constructor.

  std::unique_ptr<etcdserverpb::Watch::Stub> watch_;
  const int max_streams_;

  std::mutex mu_;
  std::condition_variable watchdog_wake_;
  bool shut_down_ = false;                    // Guarded by mu_.
  std::set<grpc::ClientContext*> in_flight_;  // Guarded by mu_.
  int open_streams_ = 0;                      // Guarded by mu_: StreamCalls alive.
  // The streams being served, with their clients' liveness checks.
  std::map<grpc::ClientContext*, std::function<bool()>> serving_;  // Guarded by mu_.
  std::thread watchdog_;                                           // Started with the first stream.
};

}  // namespace strata::api

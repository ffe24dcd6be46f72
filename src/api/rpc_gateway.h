// The rest of etcd's JSON gateway: every unary RPC of the Lease, Cluster,
// Maintenance, Auth, Lock and Election services at etcd's POST path
// (/v3/lease/grant, /v3/cluster/member/list, /v3/auth/user/add, ...,
// including etcd's /v3/kv/lease/* aliases), proxied to this member's own
// gRPC services through a channel: an in-process one in the server, as
// etcd's grpc-gateway proxies to its own gRPC listener. Bodies and errors
// are printed as KvGateway prints them (http_gateway.h); the HTTP
// Authorization header travels as the call's token.
//
// The streaming RPCs (/v3/watch, /v3/lease/keepalive,
// /v3/maintenance/snapshot, /v3/election/observe) are not served: 501.
//
// Thread-safety: Handle() and Shutdown() are safe to call concurrently.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "api/http_gateway.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "etcd/v3electionpb/v3election.grpc.pb.h"
#include "etcd/v3lockpb/v3lock.grpc.pb.h"

namespace strata::api {

class RpcGateway {
 public:
  // Calls go to channel and wait at most `deadline` for their answer.
  RpcGateway(std::shared_ptr<grpc::Channel> channel, std::chrono::milliseconds deadline);
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

 private:
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

  std::mutex mu_;
  bool shut_down_ = false;                    // Guarded by mu_.
  std::set<grpc::ClientContext*> in_flight_;  // Guarded by mu_.
};

}  // namespace strata::api

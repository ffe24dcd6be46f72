#include "api/rpc_gateway.h"

#include <array>

#include "api/etcd_status.h"
#include "kv/etcd_errors.h"

namespace strata::api {
namespace {

constexpr int kGrpcInvalidArgument = 3;
constexpr int kGrpcNotFound = 5;
constexpr int kGrpcUnimplemented = 12;
constexpr int kGrpcInternal = 13;

// etcd's streaming RPCs: grpc-gateway serves them as chunked HTTP streams,
// which this gateway does not.
constexpr std::array<std::string_view, 4> kStreamingPaths = {
    "watch", "lease/keepalive", "maintenance/snapshot", "election/observe"};

GatewayReply Stopped() {
  grpc::Status stopped = ToGrpcStatus(kv::MakeEtcdError(kv::EtcdError::kStopped));
  return GatewayError(stopped.error_code(), stopped.error_message());
}

}  // namespace

template <typename Stub, typename Req, typename Resp>
void RpcGateway::Add(std::string path, Stub* stub,
                     grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*)) {
  routes_.emplace(std::move(path), [stub, method](std::string_view body, grpc::ClientContext* ctx) {
    Req request;
    if (Status parsed = GatewayJsonToMessage(body, &request); !parsed.ok()) {
      return GatewayError(kGrpcInvalidArgument, parsed.message());
    }
    Resp response;
    grpc::Status s = (stub->*method)(ctx, request, &response);
    if (!s.ok()) return GatewayError(s.error_code(), s.error_message());
    Result<std::string> json = MessageToGatewayJson(response);
    if (!json.ok()) return GatewayError(kGrpcInternal, json.status().message());
    return GatewayReply{200, std::move(json).value()};
  });
}

RpcGateway::RpcGateway(std::shared_ptr<grpc::Channel> channel, std::chrono::milliseconds deadline)
    : deadline_(deadline),
      lease_(etcdserverpb::Lease::NewStub(channel)),
      cluster_(etcdserverpb::Cluster::NewStub(channel)),
      maintenance_(etcdserverpb::Maintenance::NewStub(channel)),
      auth_(etcdserverpb::Auth::NewStub(channel)),
      lock_(v3lockpb::Lock::NewStub(channel)),
      election_(v3electionpb::Election::NewStub(channel)) {
  using etcdserverpb::Auth;
  using etcdserverpb::Cluster;
  using etcdserverpb::Lease;
  using etcdserverpb::Maintenance;
  Add("lease/grant", lease_.get(), &Lease::Stub::LeaseGrant);
  for (std::string prefix : {"lease/", "kv/lease/"}) {
    Add(prefix + "revoke", lease_.get(), &Lease::Stub::LeaseRevoke);
    Add(prefix + "timetolive", lease_.get(), &Lease::Stub::LeaseTimeToLive);
    Add(prefix + "leases", lease_.get(), &Lease::Stub::LeaseLeases);
  }
  Add("cluster/member/add", cluster_.get(), &Cluster::Stub::MemberAdd);
  Add("cluster/member/remove", cluster_.get(), &Cluster::Stub::MemberRemove);
  Add("cluster/member/update", cluster_.get(), &Cluster::Stub::MemberUpdate);
  Add("cluster/member/list", cluster_.get(), &Cluster::Stub::MemberList);
  Add("cluster/member/promote", cluster_.get(), &Cluster::Stub::MemberPromote);
  Add("maintenance/alarm", maintenance_.get(), &Maintenance::Stub::Alarm);
  Add("maintenance/status", maintenance_.get(), &Maintenance::Stub::Status);
  Add("maintenance/defragment", maintenance_.get(), &Maintenance::Stub::Defragment);
  Add("maintenance/hash", maintenance_.get(), &Maintenance::Stub::Hash);
  Add("maintenance/hashkv", maintenance_.get(), &Maintenance::Stub::HashKV);
  Add("maintenance/transfer-leadership", maintenance_.get(), &Maintenance::Stub::MoveLeader);
  Add("maintenance/downgrade", maintenance_.get(), &Maintenance::Stub::Downgrade);
  Add("auth/enable", auth_.get(), &Auth::Stub::AuthEnable);
  Add("auth/disable", auth_.get(), &Auth::Stub::AuthDisable);
  Add("auth/status", auth_.get(), &Auth::Stub::AuthStatus);
  Add("auth/authenticate", auth_.get(), &Auth::Stub::Authenticate);
  Add("auth/user/add", auth_.get(), &Auth::Stub::UserAdd);
  Add("auth/user/get", auth_.get(), &Auth::Stub::UserGet);
  Add("auth/user/list", auth_.get(), &Auth::Stub::UserList);
  Add("auth/user/delete", auth_.get(), &Auth::Stub::UserDelete);
  Add("auth/user/changepw", auth_.get(), &Auth::Stub::UserChangePassword);
  Add("auth/user/grant", auth_.get(), &Auth::Stub::UserGrantRole);
  Add("auth/user/revoke", auth_.get(), &Auth::Stub::UserRevokeRole);
  Add("auth/role/add", auth_.get(), &Auth::Stub::RoleAdd);
  Add("auth/role/get", auth_.get(), &Auth::Stub::RoleGet);
  Add("auth/role/list", auth_.get(), &Auth::Stub::RoleList);
  Add("auth/role/delete", auth_.get(), &Auth::Stub::RoleDelete);
  Add("auth/role/grant", auth_.get(), &Auth::Stub::RoleGrantPermission);
  Add("auth/role/revoke", auth_.get(), &Auth::Stub::RoleRevokePermission);
  Add("lock/lock", lock_.get(), &v3lockpb::Lock::Stub::Lock);
  Add("lock/unlock", lock_.get(), &v3lockpb::Lock::Stub::Unlock);
  Add("election/campaign", election_.get(), &v3electionpb::Election::Stub::Campaign);
  Add("election/proclaim", election_.get(), &v3electionpb::Election::Stub::Proclaim);
  Add("election/leader", election_.get(), &v3electionpb::Election::Stub::Leader);
  Add("election/resign", election_.get(), &v3electionpb::Election::Stub::Resign);
}

RpcGateway::~RpcGateway() { Shutdown(); }

GatewayReply RpcGateway::Handle(std::string_view path, std::string_view body,
                                const std::string& token) {
  auto route = routes_.find(path);
  if (route == routes_.end()) {
    for (std::string_view streaming : kStreamingPaths) {
      if (path == streaming) {
        return GatewayError(kGrpcUnimplemented, "/v3/" + std::string(path) +
                                                    " is a streaming RPC, which the JSON gateway "
                                                    "does not serve; use gRPC");
      }
    }
    return GatewayError(kGrpcNotFound, "Not Found");
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + deadline_);
  if (!token.empty()) ctx.AddMetadata("token", token);
  {
    std::lock_guard lock(mu_);
    if (shut_down_) return Stopped();
    in_flight_.insert(&ctx);
  }
  GatewayReply reply = route->second(body, &ctx);
  std::lock_guard lock(mu_);
  in_flight_.erase(&ctx);
  if (shut_down_ && reply.http_status != 200) return Stopped();  // Cancelled by Shutdown.
  return reply;
}

void RpcGateway::Shutdown() {
  std::lock_guard lock(mu_);
  shut_down_ = true;
  for (grpc::ClientContext* ctx : in_flight_) ctx->TryCancel();
}

}  // namespace strata::api

#include "api/rpc_gateway.h"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "api/etcd_status.h"
#include "base/assert.h"
#include "kv/etcd_errors.h"

namespace strata::api {
namespace {

constexpr int kGrpcInvalidArgument = 3;
constexpr int kGrpcNotFound = 5;
constexpr int kGrpcUnimplemented = 12;
constexpr int kGrpcInternal = 13;

constexpr int kGrpcResourceExhausted = 8;

constexpr std::array<std::string_view, 4> kStreamingPaths = {
    "watch", "lease/keepalive", "maintenance/snapshot", "election/observe"};

std::string_view HttpStatusText(int http_status) {
  switch (http_status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 429:
      return "Too Many Requests";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Internal Server Error";
  }
}

// grpc-gateway v1's last chunk when a stream fails after it began.
std::string StreamErrorChunk(const grpc::Status& s) {
  const int http = HttpStatusFromGrpcCode(s.error_code());
  nlohmann::ordered_json error;
  error["grpc_code"] = static_cast<int>(s.error_code());
  error["http_code"] = http;
  error["message"] = s.error_message();
  error["http_status"] = HttpStatusText(http);
  nlohmann::ordered_json chunk;
  chunk["error"] = std::move(error);
  return chunk.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// Sends every response read from `stream` as a result chunk; cancels the
// call when the client is gone. Returns the call's status.
template <typename Resp, typename Reader>
grpc::Status Relay(Reader* stream, grpc::ClientContext* ctx,
                   const RpcGateway::StreamCall::Write& write) {
  Resp response;
  while (stream->Read(&response)) {
    Result<std::string> json = MessageToGatewayJson(response);
    if (!json.ok()) {
      ctx->TryCancel();
      (void)stream->Finish();
      return grpc::Status(grpc::StatusCode::INTERNAL, json.status().message());
    }
    if (!write("{\"result\":" + *json + "}\n")) {
      ctx->TryCancel();
      break;
    }
  }
  return stream->Finish();
}

// The opener of one streaming path: parses the body's request and gives
// the call's body.
using StreamOpener = std::function<Result<RpcGateway::StreamCall::Run>(std::string_view body)>;

template <typename Req, typename Resp, typename Open>
StreamOpener BidiOpener(Open open, bool close_send) {
  return [open, close_send](std::string_view body) -> Result<RpcGateway::StreamCall::Run> {
    auto request = std::make_shared<Req>();
    STRATA_RETURN_IF_ERROR(GatewayJsonToMessage(body, request.get()));
    return RpcGateway::StreamCall::Run(
        [open, close_send, request](grpc::ClientContext* ctx,
                                    const RpcGateway::StreamCall::Write& write) {
          auto stream = open(ctx);
          if (stream->Write(*request) && close_send) stream->WritesDone();
          return Relay<Resp>(stream.get(), ctx, write);
        });
  };
}

template <typename Req, typename Resp, typename Open>
StreamOpener ServerStreamOpener(Open open) {
  return [open](std::string_view body) -> Result<RpcGateway::StreamCall::Run> {
    auto request = std::make_shared<Req>();
    STRATA_RETURN_IF_ERROR(GatewayJsonToMessage(body, request.get()));
    return RpcGateway::StreamCall::Run(
        [open, request](grpc::ClientContext* ctx, const RpcGateway::StreamCall::Write& write) {
          auto reader = open(ctx, *request);
          return Relay<Resp>(reader.get(), ctx, write);
        });
  };
}

grpc::Status StoppedStatus() { return ToGrpcStatus(kv::MakeEtcdError(kv::EtcdError::kStopped)); }

GatewayReply Stopped() {
  grpc::Status stopped = StoppedStatus();
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

RpcGateway::RpcGateway(std::shared_ptr<grpc::Channel> channel, std::chrono::milliseconds deadline,
                       int max_streams)
    : deadline_(deadline),
      lease_(etcdserverpb::Lease::NewStub(channel)),
      cluster_(etcdserverpb::Cluster::NewStub(channel)),
      maintenance_(etcdserverpb::Maintenance::NewStub(channel)),
      auth_(etcdserverpb::Auth::NewStub(channel)),
      lock_(v3lockpb::Lock::NewStub(channel)),
      election_(v3electionpb::Election::NewStub(channel)),
      watch_(etcdserverpb::Watch::NewStub(channel)),
      max_streams_(max_streams) {
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

RpcGateway::~RpcGateway() {
  Shutdown();
  if (watchdog_.joinable()) watchdog_.join();
}

bool RpcGateway::IsStreaming(std::string_view path) {
  return std::find(kStreamingPaths.begin(), kStreamingPaths.end(), path) != kStreamingPaths.end();
}

std::variant<GatewayReply, std::unique_ptr<RpcGateway::StreamCall>> RpcGateway::OpenStream(
    std::string_view path, std::string_view body, std::string token) {
  using etcdserverpb::LeaseKeepAliveRequest;
  using etcdserverpb::LeaseKeepAliveResponse;
  using etcdserverpb::WatchRequest;
  using etcdserverpb::WatchResponse;
  StreamOpener opener;
  if (path == "watch") {
    // No half-close: a watch stream stays open after its requests, as in etcd.
    opener = BidiOpener<WatchRequest, WatchResponse>(
        [this](grpc::ClientContext* ctx) { return watch_->Watch(ctx); }, /*close_send=*/false);
  } else if (path == "lease/keepalive") {
    opener = BidiOpener<LeaseKeepAliveRequest, LeaseKeepAliveResponse>(
        [this](grpc::ClientContext* ctx) { return lease_->LeaseKeepAlive(ctx); },
        /*close_send=*/true);
  } else if (path == "maintenance/snapshot") {
    opener = ServerStreamOpener<etcdserverpb::SnapshotRequest, etcdserverpb::SnapshotResponse>(
        [this](grpc::ClientContext* ctx, const etcdserverpb::SnapshotRequest& request) {
          return maintenance_->Snapshot(ctx, request);
        });
  } else {
    STRATA_ASSERT(path == "election/observe");
    opener = ServerStreamOpener<v3electionpb::LeaderRequest, v3electionpb::LeaderResponse>(
        [this](grpc::ClientContext* ctx, const v3electionpb::LeaderRequest& request) {
          return election_->Observe(ctx, request);
        });
  }
  Result<StreamCall::Run> run = opener(body);
  if (!run.ok()) return GatewayError(kGrpcInvalidArgument, run.status().message());
  std::lock_guard lock(mu_);
  if (shut_down_) return Stopped();
  if (open_streams_ >= max_streams_) {
    GatewayReply busy = GatewayError(kGrpcResourceExhausted,
                                     "too many streaming calls through the JSON gateway (at most " +
                                         std::to_string(max_streams_) + " at a time); use gRPC");
    return busy;
  }
  ++open_streams_;
  if (!watchdog_.joinable()) watchdog_ = std::thread([this] { Watchdog(); });
  return std::make_unique<StreamCall>(this, std::move(run).value(), std::move(token));
}

RpcGateway::StreamCall::StreamCall(RpcGateway* gateway, Run run, std::string token)
    : gateway_(gateway), run_(std::move(run)), token_(std::move(token)) {}

RpcGateway::StreamCall::~StreamCall() {
  std::lock_guard lock(gateway_->mu_);
  --gateway_->open_streams_;
}

void RpcGateway::StreamCall::Serve(const Write& write, std::function<bool()> alive) {
  grpc::ClientContext ctx;
  if (!token_.empty()) ctx.AddMetadata("token", token_);
  if (!gateway_->Track(&ctx, alive)) {
    (void)write(StreamErrorChunk(StoppedStatus()));
    return;
  }
  bool client_gone = false;
  grpc::Status status = run_(&ctx, [&](std::string_view chunk) {
    if (write(chunk)) return true;
    client_gone = true;
    return false;
  });
  const bool stopped = gateway_->Untrack(&ctx);
  if (client_gone || status.ok() || !alive()) return;
  (void)write(StreamErrorChunk(stopped ? StoppedStatus() : status));
}

void RpcGateway::Watchdog() {
  std::unique_lock lock(mu_);
  while (!shut_down_) {
    watchdog_wake_.wait_for(lock, std::chrono::milliseconds(250));
    for (auto& [ctx, alive] : serving_) {
      if (!alive()) ctx->TryCancel();
    }
  }
}

GatewayReply RpcGateway::Handle(std::string_view path, std::string_view body,
                                const std::string& token) {
  auto route = routes_.find(path);
  if (route == routes_.end()) {
    if (IsStreaming(path)) {
      return GatewayError(kGrpcUnimplemented,
                          "/v3/" + std::string(path) + " is a streaming RPC: see OpenStream");
    }
    return GatewayError(kGrpcNotFound, "Not Found");
  }
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + deadline_);
  if (!token.empty()) ctx.AddMetadata("token", token);
  if (!Track(&ctx)) return Stopped();
  GatewayReply reply = route->second(body, &ctx);
  const bool stopped = Untrack(&ctx);
  if (stopped && reply.http_status != 200) return Stopped();  // Cancelled by Shutdown.
  return reply;
}

bool RpcGateway::Track(grpc::ClientContext* ctx, std::function<bool()> alive) {
  std::lock_guard lock(mu_);
  if (shut_down_) return false;
  in_flight_.insert(ctx);
  if (alive) serving_.emplace(ctx, std::move(alive));
  return true;
}

bool RpcGateway::Untrack(grpc::ClientContext* ctx) {
  std::lock_guard lock(mu_);
  in_flight_.erase(ctx);
  serving_.erase(ctx);
  return shut_down_;
}

void RpcGateway::Shutdown() {
  {
    std::lock_guard lock(mu_);
    shut_down_ = true;
    for (grpc::ClientContext* ctx : in_flight_) ctx->TryCancel();
  }
  watchdog_wake_.notify_all();
}

}  // namespace strata::api

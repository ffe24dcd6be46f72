// The etcd v3 stubs a chaos run needs for one member: KV for the workload,
// Maintenance (Status, HashKV, Alarm) and Cluster (membership) for the
// nemesis and the final checks. Plain insecure channels to 127.0.0.1.
//
// Thread-safety: the stubs are safe from any thread (gRPC's guarantee).
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace strata::chaos {

struct Stubs {
  explicit Stubs(const std::string& target)
      : endpoint(target),
        channel(grpc::CreateChannel(target, grpc::InsecureChannelCredentials())),
        kv(etcdserverpb::KV::NewStub(channel)),
        maintenance(etcdserverpb::Maintenance::NewStub(channel)),
        cluster(etcdserverpb::Cluster::NewStub(channel)) {}

  // True when the channel is connected (a call would be sent at once).
  bool connected() { return channel->GetState(/*try_to_connect=*/true) == GRPC_CHANNEL_READY; }

  const std::string endpoint;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<etcdserverpb::KV::Stub> kv;
  std::unique_ptr<etcdserverpb::Maintenance::Stub> maintenance;
  std::unique_ptr<etcdserverpb::Cluster::Stub> cluster;
};

// Sets a deadline `timeout` from now on `ctx`.
inline void SetTimeout(grpc::ClientContext* ctx, std::chrono::milliseconds timeout) {
  ctx->set_deadline(std::chrono::system_clock::now() + timeout);
}

}  // namespace strata::chaos

// A small etcd v3 gRPC client for integration tests: direct calls to one
// member, with deadlines, so a test can load a cluster without spawning
// an etcdctl process per request.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace strata::testing {

class EtcdClient {
 public:
  explicit EtcdClient(const std::string& endpoint)
      : channel_(grpc::CreateChannel(endpoint, grpc::InsecureChannelCredentials())),
        kv_(etcdserverpb::KV::NewStub(channel_)),
        maintenance_(etcdserverpb::Maintenance::NewStub(channel_)) {}

  grpc::Status Put(const std::string& key, const std::string& value,
                   etcdserverpb::PutResponse* response = nullptr,
                   std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    etcdserverpb::PutRequest request;
    request.set_key(key);
    request.set_value(value);
    etcdserverpb::PutResponse ignored;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + timeout);
    return kv_->Put(&ctx, request, response ? response : &ignored);
  }

  grpc::Status Range(const etcdserverpb::RangeRequest& request,
                     etcdserverpb::RangeResponse* response,
                     std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + timeout);
    return kv_->Range(&ctx, request, response);
  }

  grpc::Status HashKV(int64_t revision, etcdserverpb::HashKVResponse* response) {
    etcdserverpb::HashKVRequest request;
    request.set_revision(revision);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return maintenance_->HashKV(&ctx, request, response);
  }

  grpc::Status Status(etcdserverpb::StatusResponse* response) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    return maintenance_->Status(&ctx, etcdserverpb::StatusRequest(), response);
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<etcdserverpb::KV::Stub> kv_;
  std::unique_ptr<etcdserverpb::Maintenance::Stub> maintenance_;
};

}  // namespace strata::testing

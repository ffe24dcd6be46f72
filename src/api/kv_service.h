// The etcd KV gRPC service (etcdserverpb.KV) over a KvFrontend, on gRPC's
// callback API: no thread waits while a request is in raft.
#pragma once

#include "api/auth_tokens.h"
#include "api/kv_frontend.h"
#include "api/metrics.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace strata::api {

class KvService final : public etcdserverpb::KV::CallbackService {
 public:
  // None owned; all must outlive the service. metrics and auth may be null
  // (no auth: every call acts as an anonymous caller with auth disabled).
  explicit KvService(KvFrontend* kv, Metrics* metrics = nullptr,
                     const Authenticator* auth = nullptr)
      : kv_(kv), metrics_(metrics), auth_(auth) {}

  grpc::ServerUnaryReactor* Range(grpc::CallbackServerContext* context,
                                  const etcdserverpb::RangeRequest* request,
                                  etcdserverpb::RangeResponse* response) override;
  grpc::ServerUnaryReactor* Put(grpc::CallbackServerContext* context,
                                const etcdserverpb::PutRequest* request,
                                etcdserverpb::PutResponse* response) override;
  grpc::ServerUnaryReactor* DeleteRange(grpc::CallbackServerContext* context,
                                        const etcdserverpb::DeleteRangeRequest* request,
                                        etcdserverpb::DeleteRangeResponse* response) override;
  grpc::ServerUnaryReactor* Txn(grpc::CallbackServerContext* context,
                                const etcdserverpb::TxnRequest* request,
                                etcdserverpb::TxnResponse* response) override;
  grpc::ServerUnaryReactor* Compact(grpc::CallbackServerContext* context,
                                    const etcdserverpb::CompactionRequest* request,
                                    etcdserverpb::CompactionResponse* response) override;

 private:
  // The caller of a call, or an error to answer with.
  Result<Caller> CallerOf(grpc::CallbackServerContext* context) const;

  KvFrontend* const kv_;
  Metrics* const metrics_;
  const Authenticator* const auth_;
};

}  // namespace strata::api

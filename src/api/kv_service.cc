#include "api/kv_service.h"

#include <chrono>

#include "api/etcd_status.h"

namespace strata::api {
namespace {

// A callback that finishes the RPC with the frontend's answer and records
// its outcome and latency.
template <typename T>
Done<T> Finisher(grpc::ServerUnaryReactor* reactor, T* response, Metrics* metrics,
                 std::string_view method) {
  auto start = std::chrono::steady_clock::now();
  return [reactor, response, metrics, method, start](Result<T> result) {
    grpc::Status status = grpc::Status::OK;
    if (result.ok()) {
      *response = std::move(*result);
    } else {
      status = ToGrpcStatus(result.status());
    }
    if (metrics != nullptr) {
      std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      metrics->observe_request(method, status.error_code(), took.count());
    }
    reactor->Finish(status);
  };
}

}  // namespace

Result<Caller> KvService::CallerOf(grpc::CallbackServerContext* context) const {
  if (auth_ == nullptr) return Caller{};
  return auth_->FromGrpc(*context);
}

grpc::ServerUnaryReactor* KvService::Range(grpc::CallbackServerContext* context,
                                           const etcdserverpb::RangeRequest* request,
                                           etcdserverpb::RangeResponse* response) {
  auto* reactor = context->DefaultReactor();
  auto done = Finisher(reactor, response, metrics_, "/etcdserverpb.KV/Range");
  Result<Caller> caller = CallerOf(context);
  if (!caller.ok()) {
    done(caller.status());
    return reactor;
  }
  kv_->Range(*caller, *request, std::move(done));
  return reactor;
}

grpc::ServerUnaryReactor* KvService::Put(grpc::CallbackServerContext* context,
                                         const etcdserverpb::PutRequest* request,
                                         etcdserverpb::PutResponse* response) {
  auto* reactor = context->DefaultReactor();
  auto done = Finisher(reactor, response, metrics_, "/etcdserverpb.KV/Put");
  Result<Caller> caller = CallerOf(context);
  if (!caller.ok()) {
    done(caller.status());
    return reactor;
  }
  kv_->Put(*caller, *request, std::move(done));
  return reactor;
}

grpc::ServerUnaryReactor* KvService::DeleteRange(grpc::CallbackServerContext* context,
                                                 const etcdserverpb::DeleteRangeRequest* request,
                                                 etcdserverpb::DeleteRangeResponse* response) {
  auto* reactor = context->DefaultReactor();
  auto done = Finisher(reactor, response, metrics_, "/etcdserverpb.KV/DeleteRange");
  Result<Caller> caller = CallerOf(context);
  if (!caller.ok()) {
    done(caller.status());
    return reactor;
  }
  kv_->DeleteRange(*caller, *request, std::move(done));
  return reactor;
}

grpc::ServerUnaryReactor* KvService::Txn(grpc::CallbackServerContext* context,
                                         const etcdserverpb::TxnRequest* request,
                                         etcdserverpb::TxnResponse* response) {
  auto* reactor = context->DefaultReactor();
  auto done = Finisher(reactor, response, metrics_, "/etcdserverpb.KV/Txn");
  Result<Caller> caller = CallerOf(context);
  if (!caller.ok()) {
    done(caller.status());
    return reactor;
  }
  kv_->Txn(*caller, *request, std::move(done));
  return reactor;
}

grpc::ServerUnaryReactor* KvService::Compact(grpc::CallbackServerContext* context,
                                             const etcdserverpb::CompactionRequest* request,
                                             etcdserverpb::CompactionResponse* response) {
  auto* reactor = context->DefaultReactor();
  auto done = Finisher(reactor, response, metrics_, "/etcdserverpb.KV/Compact");
  Result<Caller> caller = CallerOf(context);
  if (!caller.ok()) {
    done(caller.status());
    return reactor;
  }
  kv_->Compact(*caller, *request, std::move(done));
  return reactor;
}

}  // namespace strata::api

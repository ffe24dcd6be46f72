// Core's typed calls: which route and retry class each etcd RPC gets.
#include <algorithm>

#include "client/core.h"

namespace strata::client::internal {
namespace {

using Ops = google::protobuf::RepeatedPtrField<etcdserverpb::RequestOp>;

bool HasWrites(const Ops& ops) {
  return std::any_of(ops.begin(), ops.end(), [](const etcdserverpb::RequestOp& op) {
    if (op.has_request_put() || op.has_request_delete_range()) return true;
    return op.has_request_txn() &&
           (HasWrites(op.request_txn().success()) || HasWrites(op.request_txn().failure()));
  });
}

bool AllSerializable(const Ops& ops) {
  return std::all_of(ops.begin(), ops.end(), [](const etcdserverpb::RequestOp& op) {
    return op.has_request_range() && op.request_range().serializable();
  });
}

}  // namespace

Result<etcdserverpb::RangeResponse> Core::Range(const etcdserverpb::RangeRequest& request,
                                                std::string what, Deadline deadline) {
  etcdserverpb::RangeResponse response;
  CallSpec spec{.what = std::move(what),
                .route = request.serializable() ? Route::kAny : Route::kLeader,
                .deadline = deadline};
  Result<void> r = Call(spec, [&](Endpoint& ep, grpc::ClientContext* ctx) {
    return ep.kv->Range(ctx, request, &response);
  });
  if (!r.ok()) return r.error();
  connection_->ObserveTerm(response.header().raft_term());
  return response;
}

Result<etcdserverpb::PutResponse> Core::Put(const etcdserverpb::PutRequest& request,
                                            std::string what, Deadline deadline,
                                            bool retry_unknown) {
  etcdserverpb::PutResponse response;
  CallSpec spec{.what = std::move(what),
                .route = Route::kLeader,
                .idempotency = Idempotency::kWrite,
                .retry_if_outcome_unknown = retry_unknown,
                .deadline = deadline};
  Result<void> r = Call(spec, [&](Endpoint& ep, grpc::ClientContext* ctx) {
    return ep.kv->Put(ctx, request, &response);
  });
  if (!r.ok()) return r.error();
  connection_->ObserveTerm(response.header().raft_term());
  return response;
}

Result<etcdserverpb::DeleteRangeResponse> Core::DeleteRange(
    const etcdserverpb::DeleteRangeRequest& request, std::string what, Deadline deadline,
    bool retry_unknown) {
  etcdserverpb::DeleteRangeResponse response;
  CallSpec spec{.what = std::move(what),
                .route = Route::kLeader,
                .idempotency = Idempotency::kWrite,
                .retry_if_outcome_unknown = retry_unknown,
                .deadline = deadline};
  Result<void> r = Call(spec, [&](Endpoint& ep, grpc::ClientContext* ctx) {
    return ep.kv->DeleteRange(ctx, request, &response);
  });
  if (!r.ok()) return r.error();
  connection_->ObserveTerm(response.header().raft_term());
  return response;
}

Result<etcdserverpb::TxnResponse> Core::Txn(const etcdserverpb::TxnRequest& request,
                                            std::string what, Deadline deadline,
                                            bool retry_unknown) {
  const bool writes = HasWrites(request.success()) || HasWrites(request.failure());
  const bool serializable =
      !writes && AllSerializable(request.success()) && AllSerializable(request.failure());
  etcdserverpb::TxnResponse response;
  CallSpec spec{.what = std::move(what),
                .route = serializable ? Route::kAny : Route::kLeader,
                .idempotency = writes ? Idempotency::kWrite : Idempotency::kIdempotent,
                .retry_if_outcome_unknown = retry_unknown,
                .deadline = deadline};
  Result<void> r = Call(spec, [&](Endpoint& ep, grpc::ClientContext* ctx) {
    return ep.kv->Txn(ctx, request, &response);
  });
  if (!r.ok()) return r.error();
  connection_->ObserveTerm(response.header().raft_term());
  return response;
}

Result<etcdserverpb::MemberListResponse> Core::MemberList(Deadline deadline,
                                                          std::shared_ptr<Endpoint> endpoint,
                                                          bool with_token) {
  etcdserverpb::MemberListRequest request;
  etcdserverpb::MemberListResponse response;
  CallSpec spec{.what = "member list",
                .deadline = deadline,
                .endpoint = std::move(endpoint),
                .with_token = with_token};
  Result<void> r = Call(spec, [&](Endpoint& ep, grpc::ClientContext* ctx) {
    return ep.cluster->MemberList(ctx, request, &response);
  });
  if (!r.ok()) return r.error();
  return response;
}

Result<etcdserverpb::StatusResponse> Core::Status(Deadline deadline,
                                                  std::shared_ptr<Endpoint> endpoint,
                                                  bool with_token) {
  etcdserverpb::StatusRequest request;
  etcdserverpb::StatusResponse response;
  CallSpec spec{.what = "status",
                .deadline = deadline,
                .endpoint = std::move(endpoint),
                .with_token = with_token};
  Result<void> r = Call(spec, [&](Endpoint& ep, grpc::ClientContext* ctx) {
    return ep.maintenance->Status(ctx, request, &response);
  });
  if (!r.ok()) return r.error();
  return response;
}

}  // namespace strata::client::internal

#include "tests/chaos/client_op.h"

namespace strata::chaos {
namespace {

using check::Call;
using check::CasCompare;
using check::EventType;
using check::OpKind;
using check::Reply;

Outcome FromError(const Call& call, const grpc::Status& status) {
  Outcome out;
  out.error = std::to_string(status.error_code()) + ": " + status.error_message();
  const bool refused = status.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
                       status.error_code() == grpc::StatusCode::PERMISSION_DENIED ||
                       status.error_code() == grpc::StatusCode::UNAUTHENTICATED;
  out.type = (call.kind == OpKind::kGet || refused) ? EventType::kFail : EventType::kInfo;
  return out;
}

Outcome Ok(Reply reply) {
  Outcome out;
  out.type = EventType::kOk;
  out.reply = std::move(reply);
  return out;
}

Outcome Get(Stubs& stubs, const Call& call, std::chrono::milliseconds timeout) {
  etcdserverpb::RangeRequest request;
  request.set_key(call.key);
  etcdserverpb::RangeResponse response;
  grpc::ClientContext ctx;
  SetTimeout(&ctx, timeout);
  grpc::Status status = stubs.kv->Range(&ctx, request, &response);
  if (!status.ok()) return FromError(call, status);
  if (response.kvs_size() == 0) return Ok(Reply::Get(std::nullopt, 0));
  return Ok(Reply::Get(response.kvs(0).value(), response.kvs(0).version()));
}

Outcome Put(Stubs& stubs, const Call& call, std::chrono::milliseconds timeout) {
  etcdserverpb::PutRequest request;
  request.set_key(call.key);
  request.set_value(call.value);
  etcdserverpb::PutResponse response;
  grpc::ClientContext ctx;
  SetTimeout(&ctx, timeout);
  grpc::Status status = stubs.kv->Put(&ctx, request, &response);
  if (!status.ok()) return FromError(call, status);
  return Ok(Reply::Put());
}

Outcome Delete(Stubs& stubs, const Call& call, std::chrono::milliseconds timeout) {
  etcdserverpb::DeleteRangeRequest request;
  request.set_key(call.key);
  etcdserverpb::DeleteRangeResponse response;
  grpc::ClientContext ctx;
  SetTimeout(&ctx, timeout);
  grpc::Status status = stubs.kv->DeleteRange(&ctx, request, &response);
  if (!status.ok()) return FromError(call, status);
  return Ok(Reply::Delete(response.deleted()));
}

Outcome Cas(Stubs& stubs, const Call& call, std::chrono::milliseconds timeout) {
  etcdserverpb::TxnRequest request;
  etcdserverpb::Compare* compare = request.add_compare();
  compare->set_key(call.key);
  compare->set_result(etcdserverpb::Compare::EQUAL);
  if (call.compare == CasCompare::kVersion) {
    compare->set_target(etcdserverpb::Compare::VERSION);
    compare->set_version(call.expected_version);
  } else {
    compare->set_target(etcdserverpb::Compare::VALUE);
    compare->set_value(call.expected_value);
  }
  etcdserverpb::PutRequest* put = request.add_success()->mutable_request_put();
  put->set_key(call.key);
  put->set_value(call.value);
  etcdserverpb::TxnResponse response;
  grpc::ClientContext ctx;
  SetTimeout(&ctx, timeout);
  grpc::Status status = stubs.kv->Txn(&ctx, request, &response);
  if (!status.ok()) return FromError(call, status);
  return Ok(Reply::Cas(response.succeeded()));
}

}  // namespace

Outcome Execute(Stubs& stubs, const Call& call, std::chrono::milliseconds timeout) {
  switch (call.kind) {
    case OpKind::kGet:
      return Get(stubs, call, timeout);
    case OpKind::kPut:
      return Put(stubs, call, timeout);
    case OpKind::kDelete:
      return Delete(stubs, call, timeout);
    case OpKind::kCas:
      return Cas(stubs, call, timeout);
  }
  return FromError(call, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "unknown op"));
}

}  // namespace strata::chaos

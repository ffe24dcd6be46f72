// The etcd v3 JSON gateway for KV: POST /v3/kv/{range,put,deleterange,txn,
// compaction} with bodies exactly as etcd's grpc-gateway reads and writes
// them, served by a KvFrontend.
//
// etcd (3.4 and 3.5) runs grpc-gateway v1 with its default marshaler,
// runtime.JSONPb{OrigName: true} (grpc-gateway runtime/marshaler_registry.go;
// etcd 3.4's embed/serve.go calls gw.NewServeMux() without options):
//   - field names are the .proto names (snake_case: "range_end",
//     "create_revision", "cluster_id"); lowerCamelCase is accepted on input;
//   - 64-bit integers are JSON strings ("revision":"2"); int32 and bool are
//     plain JSON values; enums are their names ("sort_order":"DESCEND");
//   - bytes are standard base64 with padding ("key":"Zm9v");
//   - fields holding their default value (0, "", false, empty list, first
//     enum value, unset message) are left out (EmitDefaults is false);
//   - unknown request fields are ignored (AllowUnknownFields: true); an empty
//     body is an empty request (io.EOF is not an error);
//   - errors are {"error":msg,"message":msg,"code":grpc_code} with the HTTP
//     status of runtime.HTTPStatusFromCode.
//
// Thread-safety: Handle() and Shutdown() are safe to call concurrently.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include <google/protobuf/message.h>

#include "api/kv_frontend.h"
#include "api/metrics.h"
#include "base/status.h"

namespace strata::api {

namespace detail {
class GatewayWaiter;
}  // namespace detail

// What to send back: always Content-Type application/json.
struct GatewayReply {
  int http_status = 200;
  std::string body;
};

// grpc-gateway's runtime.HTTPStatusFromCode as etcd links it (v1.9.5 in
// etcd 3.4's go.mod, v1.16 in 3.5): OK 200, Canceled 408, Unknown 500,
// InvalidArgument 400, DeadlineExceeded 504, NotFound 404, AlreadyExists 409,
// PermissionDenied 403, Unauthenticated 401, ResourceExhausted 429,
// FailedPrecondition 400, Aborted 409, OutOfRange 400, Unimplemented 501,
// Internal 500, Unavailable 503, DataLoss 500; any other code 500.
// (grpc-gateway 1.4 to 1.9.4 answered FailedPrecondition with 412; Debian's
// etcd-server 3.4.23 is built against its grpc-gateway 1.6.4 and does.)
int HttpStatusFromGrpcCode(int grpc_code);

// The gateway's error reply: {"error":message,"message":message,"code":grpc_code}
// with HttpStatusFromGrpcCode(grpc_code).
GatewayReply GatewayError(int grpc_code, std::string_view message);

// Prints message as the gateway does (see the file comment). Fails with
// Internal only for messages that cannot be printed (a string field holding
// invalid UTF-8).
Result<std::string> MessageToGatewayJson(const google::protobuf::Message& message);

// Parses a request body into out (cleared first). An empty or all-whitespace
// body leaves out empty. Unknown fields are ignored. Malformed JSON, a wrong
// type for a field or bad base64 give InvalidArgument naming the problem.
Status GatewayJsonToMessage(std::string_view body, google::protobuf::Message* out);

class KvGateway {
 public:
  // kv must outlive this object; metrics may be null (nothing counted).
  // Each call waits for the frontend's answer at most `deadline`.
  KvGateway(KvFrontend* kv, Metrics* metrics, std::chrono::milliseconds deadline);
  ~KvGateway();
  KvGateway(const KvGateway&) = delete;
  KvGateway& operator=(const KvGateway&) = delete;

  // Serves POST /v3/kv/<op> with the given body; blocks the calling thread
  // until the frontend answers, the deadline passes (504, DeadlineExceeded)
  // or Shutdown() (503, Unavailable "etcdserver: server stopped"). An op
  // other than range, put, deleterange, txn or compaction gives 404.
  // Every frontend call is counted with Metrics::observe_request as
  // "/etcdserverpb.KV/<Method>", like a gRPC call.
  // The frontend checks the call against caller's permissions.
  GatewayReply Handle(std::string_view op, std::string_view body, const Caller& caller = {});

  // Wakes every waiting Handle() and makes later ones fail at once.
  // Frontend callbacks that arrive afterwards are dropped safely.
  void Shutdown();

 private:
  using Waiter = detail::GatewayWaiter;

  template <typename Req, typename Resp>
  GatewayReply Call(std::string_view method, std::string_view body,
                    void (KvFrontend::*fn)(const Caller&, const Req&, Done<Resp>),
                    const Caller& caller);
  // Blocks until w finishes, the deadline passes or Shutdown(); returns OK
  // when w holds the frontend's answer, else the gateway's own failure
  // (DeadlineExceeded or etcd's "server stopped").
  Status Wait(const std::shared_ptr<Waiter>& w);

  KvFrontend* const kv_;
  Metrics* const metrics_;
  const std::chrono::milliseconds deadline_;

  std::mutex mu_;
  bool shutdown_ = false;                      // guarded by mu_
  std::set<std::shared_ptr<Waiter>> waiting_;  // guarded by mu_
};

}  // namespace strata::api

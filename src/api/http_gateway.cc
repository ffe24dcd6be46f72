#include "api/http_gateway.h"

#include <array>
#include <optional>
#include <utility>

#include <google/protobuf/util/json_util.h>
#include <nlohmann/json.hpp>

#include "api/etcd_status.h"
#include "kv/etcd_errors.h"

namespace strata::api {
namespace detail {

// One gateway call waiting for the frontend. Shared by the waiting HTTP
// worker and the frontend's callback, which may outlive the wait.
class GatewayWaiter {
 public:
  virtual ~GatewayWaiter() = default;

  // Wakes the waiter for good (shutdown).
  void Cancel() {
    std::lock_guard<std::mutex> lock(mu);
    cancelled = true;
    cv.notify_all();
  }

  std::mutex mu;
  std::condition_variable cv;
  bool done = false;       // guarded by mu
  bool cancelled = false;  // guarded by mu
};

template <typename Resp>
class ResultWaiter final : public GatewayWaiter {
 public:
  void Finish(Result<Resp> r) {
    std::lock_guard<std::mutex> lock(mu);
    result.emplace(std::move(r));
    done = true;
    cv.notify_all();
  }

  std::optional<Result<Resp>> result;  // guarded by mu; set once done
};

}  // namespace detail

namespace {

constexpr int kGrpcDeadlineExceeded = 4;
constexpr int kGrpcNotFound = 5;
constexpr int kGrpcInternal = 13;

bool AllWhitespace(std::string_view s) {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// protobuf's parse errors are "<problem>\n<input excerpt>\n<caret>"; makes
// them one line: <problem> (near "<excerpt>").
std::string OneLine(std::string_view message) {
  size_t eol = message.find('\n');
  std::string out(message.substr(0, eol));
  if (eol == std::string_view::npos) return out;
  std::string_view rest = message.substr(eol + 1);
  std::string_view excerpt = rest.substr(0, rest.find('\n'));
  if (!AllWhitespace(excerpt)) {
    constexpr size_t kMaxExcerpt = 40;
    out += " (near \"" + std::string(excerpt.substr(0, kMaxExcerpt)) + "\")";
  }
  return out;
}

}  // namespace

int HttpStatusFromGrpcCode(int grpc_code) {
  // Indexed by gRPC code.
  static constexpr std::array<int, 17> kHttpStatus = {
      200,  // OK
      408,  // Canceled
      500,  // Unknown
      400,  // InvalidArgument
      504,  // DeadlineExceeded
      404,  // NotFound
      409,  // AlreadyExists
      403,  // PermissionDenied
      429,  // ResourceExhausted
      400,  // FailedPrecondition (412 in grpc-gateway 1.4 to 1.9.4)
      409,  // Aborted
      400,  // OutOfRange
      501,  // Unimplemented
      500,  // Internal
      503,  // Unavailable
      500,  // DataLoss
      401,  // Unauthenticated
  };
  if (grpc_code < 0 || grpc_code >= static_cast<int>(kHttpStatus.size())) return 500;
  return kHttpStatus[static_cast<size_t>(grpc_code)];
}

GatewayReply GatewayError(int grpc_code, std::string_view message) {
  // grpc-gateway v1 runtime.errorBody (details left out when empty, as
  // jsonpb does without EmitDefaults).
  nlohmann::ordered_json body;
  body["error"] = message;
  body["message"] = message;
  body["code"] = grpc_code;
  return GatewayReply{HttpStatusFromGrpcCode(grpc_code),
                      body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

Result<std::string> MessageToGatewayJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;      // OrigName: true
  options.always_print_primitive_fields = false;  // EmitDefaults: false
  options.always_print_enums_as_ints = false;     // EnumsAsInts: false
  std::string out;
  auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) {
    return Status::Internal("cannot print " + message.GetTypeName() +
                            " as JSON: " + std::string(status.message()));
  }
  return out;
}

Status GatewayJsonToMessage(std::string_view body, google::protobuf::Message* out) {
  out->Clear();
  if (AllWhitespace(body)) return Status::Ok();
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;  // AllowUnknownFields: true
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(body.data(), body.size()), out, options);
  if (!status.ok()) {
    out->Clear();
    return Status::InvalidArgument("malformed JSON for " + out->GetTypeName() + ": " +
                                   OneLine(std::string(status.message())));
  }
  return Status::Ok();
}

KvGateway::KvGateway(KvFrontend* kv, Metrics* metrics, std::chrono::milliseconds deadline)
    : kv_(kv), metrics_(metrics), deadline_(deadline) {
  STRATA_ASSERT(kv_ != nullptr);
}

KvGateway::~KvGateway() { Shutdown(); }

GatewayReply KvGateway::Handle(std::string_view op, std::string_view body, const Caller& caller) {
  using etcdserverpb::CompactionRequest;
  using etcdserverpb::CompactionResponse;
  using etcdserverpb::DeleteRangeRequest;
  using etcdserverpb::DeleteRangeResponse;
  using etcdserverpb::PutRequest;
  using etcdserverpb::PutResponse;
  using etcdserverpb::RangeRequest;
  using etcdserverpb::RangeResponse;
  using etcdserverpb::TxnRequest;
  using etcdserverpb::TxnResponse;
  if (op == "range") {
    return Call<RangeRequest, RangeResponse>("/etcdserverpb.KV/Range", body, &KvFrontend::Range,
                                             caller);
  }
  if (op == "put") {
    return Call<PutRequest, PutResponse>("/etcdserverpb.KV/Put", body, &KvFrontend::Put, caller);
  }
  if (op == "deleterange") {
    return Call<DeleteRangeRequest, DeleteRangeResponse>("/etcdserverpb.KV/DeleteRange", body,
                                                         &KvFrontend::DeleteRange, caller);
  }
  if (op == "txn") {
    return Call<TxnRequest, TxnResponse>("/etcdserverpb.KV/Txn", body, &KvFrontend::Txn, caller);
  }
  if (op == "compaction") {
    return Call<CompactionRequest, CompactionResponse>("/etcdserverpb.KV/Compact", body,
                                                       &KvFrontend::Compact, caller);
  }
  return GatewayError(kGrpcNotFound, "Not Found");
}

template <typename Req, typename Resp>
GatewayReply KvGateway::Call(std::string_view method, std::string_view body,
                             void (KvFrontend::*fn)(const Caller&, const Req&, Done<Resp>),
                             const Caller& caller) {
  const auto start = std::chrono::steady_clock::now();
  Req request;
  if (Status parsed = GatewayJsonToMessage(body, &request); !parsed.ok()) {
    // Rejected before any RPC, as the gateway does: not counted.
    return GatewayError(ToGrpcStatus(parsed).error_code(), parsed.message());
  }

  auto waiter = std::make_shared<detail::ResultWaiter<Resp>>();
  Status waited;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutdown_)
      waited = kv::MakeEtcdError(kv::EtcdError::kStopped);
    else
      waiting_.insert(waiter);
  }
  if (waited.ok()) {
    (kv_->*fn)(caller, request, [waiter](Result<Resp> r) { waiter->Finish(std::move(r)); });
    waited = Wait(waiter);
  }

  int code = 0;
  std::string message;
  std::optional<GatewayReply> reply;
  if (waited.Is(StatusCode::kDeadlineExceeded)) {
    code = kGrpcDeadlineExceeded;  // What a gRPC client reports for its own deadline.
    message = waited.message();
  } else if (!waited.ok()) {
    grpc::Status g = ToGrpcStatus(waited);
    code = g.error_code();
    message = g.error_message();
  } else {
    // Done: the frontend no longer touches the waiter's result.
    Result<Resp>& result = *waiter->result;
    if (!result.ok()) {
      grpc::Status g = ToGrpcStatus(result.status());
      code = g.error_code();
      message = g.error_message();
    } else if (Result<std::string> json = MessageToGatewayJson(result.value()); json.ok()) {
      reply = GatewayReply{200, std::move(json.value())};
    } else {
      code = kGrpcInternal;
      message = json.status().message();
    }
  }
  if (metrics_ != nullptr) {
    std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
    metrics_->observe_request(method, code, seconds.count());
  }
  if (reply.has_value()) return std::move(*reply);
  return GatewayError(code, message);
}

Status KvGateway::Wait(const std::shared_ptr<Waiter>& w) {
  const auto deadline = std::chrono::steady_clock::now() + deadline_;
  Status out;
  {
    std::unique_lock<std::mutex> lock(w->mu);
    w->cv.wait_until(lock, deadline, [&] { return w->done || w->cancelled; });
    if (w->done)
      out = Status::Ok();
    else if (w->cancelled)
      out = kv::MakeEtcdError(kv::EtcdError::kStopped);
    else
      out = Status::DeadlineExceeded("context deadline exceeded");
  }
  std::lock_guard<std::mutex> lock(mu_);
  waiting_.erase(w);
  return out;
}

void KvGateway::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutdown_ = true;
  for (const std::shared_ptr<Waiter>& w : waiting_) w->Cancel();
  waiting_.clear();
}

}  // namespace strata::api

// The shared state behind Client, Transaction and Timelines: options, the
// connection, the auth token, the async threads, and Call(), the one loop
// that sends an RPC with routing, token, deadline, retries and back-off.
//
// Thread-safety: thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "client/connection.h"
#include "client/executor.h"
#include "client/retry.h"
#include "client/token_cache.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "strata/options.h"
#include "strata/result.h"
#include "strata/types.h"

namespace strata::client::internal {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

struct CallSpec {
  std::string what{};  // For messages: "put \"key\"".
  Route route = Route::kAny;
  Idempotency idempotency = Idempotency::kIdempotent;
  bool retry_if_outcome_unknown = false;
  Deadline deadline{};
  // Only this member, one attempt (status of each member, discovery).
  std::shared_ptr<Endpoint> endpoint{};
  bool with_token = true;  // False for Authenticate itself.
};

// Sends one attempt of an RPC through ep's stubs.
using Invoker = std::function<grpc::Status(Endpoint& ep, grpc::ClientContext* ctx)>;

class Core {
 public:
  // kInvalidArgument for bad options.
  static Result<std::unique_ptr<Core>> Create(ClientOptions options);
  ~Core();  // Shutdown().

  const ClientOptions& options() const { return options_; }
  Connection& connection() { return *connection_; }
  // Now plus timeout; 0 means ClientOptions::default_timeout.
  Deadline DeadlineAfter(std::chrono::milliseconds timeout) const;

  // Runs invoke until it succeeds, fails for good, runs out of attempts or
  // of time. The error names spec.what and the member that answered.
  Result<void> Call(const CallSpec& spec, const Invoker& invoke);

  // Typed calls. Range is routed by its serializable flag; a Txn is
  // idempotent (and routed like a read) when it has no writes.
  Result<etcdserverpb::RangeResponse> Range(const etcdserverpb::RangeRequest& request,
                                            std::string what, Deadline deadline);
  Result<etcdserverpb::PutResponse> Put(const etcdserverpb::PutRequest& request, std::string what,
                                        Deadline deadline, bool retry_unknown);
  Result<etcdserverpb::DeleteRangeResponse> DeleteRange(
      const etcdserverpb::DeleteRangeRequest& request, std::string what, Deadline deadline,
      bool retry_unknown);
  Result<etcdserverpb::TxnResponse> Txn(const etcdserverpb::TxnRequest& request, std::string what,
                                        Deadline deadline, bool retry_unknown);
  // endpoint null: any member, with retries; else that member, once.
  // Discovery sends no token: etcd serves both without authentication.
  Result<etcdserverpb::MemberListResponse> MemberList(Deadline deadline,
                                                      std::shared_ptr<Endpoint> endpoint = {},
                                                      bool with_token = true);
  Result<etcdserverpb::StatusResponse> Status(Deadline deadline,
                                              std::shared_ptr<Endpoint> endpoint = {},
                                              bool with_token = true);

  // Learns the members and the leader through the current endpoint (moving
  // on to the next when it fails), until one answers or the deadline.
  Result<void> Discover(Deadline deadline);

  // Authenticates now if credentials are set (so that Connect reports bad
  // ones); OK without credentials.
  Result<void> CheckCredentials(Deadline deadline);

  // Sleeps before retry number `retry`; false when the deadline would pass
  // first or the client shuts down (it then does not sleep the rest).
  bool Backoff(int retry, Deadline deadline);

  // For long-lived streams (stream.h): registers ctx so that Shutdown
  // cancels it. False (and nothing registered) once shut down.
  bool Track(grpc::ClientContext* ctx);
  void Untrack(grpc::ClientContext* ctx);
  // The auth token to open a stream with: "" without credentials or when
  // the cluster has auth off; authenticates if needed.
  Result<std::string> StreamToken(Deadline deadline);
  // A member refused `token` as expired: the next StreamToken fetches anew.
  void InvalidateToken(const std::string& token) { tokens_.Invalidate(token); }

  // Cancels calls in flight, fails new ones with kCancelled, stops the async
  // threads (queued calls still run, and fail fast). Idempotent.
  void Shutdown();
  bool shut_down() const;

  // Runs fn on the async threads; a full queue or a shut-down client gives
  // a ready future with the error.
  template <typename T>
  std::future<Result<T>> Async(std::function<Result<T>()> fn) {
    auto promise = std::make_shared<std::promise<Result<T>>>();
    std::future<Result<T>> future = promise->get_future();
    bool queued = executor_->Submit([promise, fn = std::move(fn)] { promise->set_value(fn()); });
    if (!queued) promise->set_value(AsyncRefused());
    return future;
  }

 private:
  Core(ClientOptions options, std::unique_ptr<Connection> connection);
  Error AsyncRefused() const;
  Result<std::string> Token(Deadline deadline);
  Result<std::string> Authenticate(Deadline deadline);
  void MaybeRefreshLeader(Deadline deadline);
  Result<void> DiscoverThrough(const std::shared_ptr<Endpoint>& ep, Deadline deadline);

  const ClientOptions options_;
  std::unique_ptr<Connection> connection_;
  TokenCache tokens_;
  std::unique_ptr<Executor> executor_;

  mutable std::mutex mu_;
  std::condition_variable wake_;  // Ends back-off sleeps at shutdown.
  bool shut_down_ = false;
  std::set<grpc::ClientContext*> in_flight_;
  std::once_flag shutdown_once_;
};

}  // namespace strata::client::internal

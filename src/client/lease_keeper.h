// The state behind a Lease: its grant, the keep-alive stream and the ticker
// that renews every third of the TTL, and the verdict when it is lost.
//
// Thread-safety: thread-safe. Stop() joins the ticker and the stream.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "client/core.h"
#include "client/stream.h"
#include "strata/lease.h"

namespace strata::client::internal {

class LeaseKeeper {
 public:
  // Grants a lease of ttl (LeaseGrant, a write: not retried on an unknown
  // outcome) and starts the keep-alive when options say so.
  static Result<std::shared_ptr<LeaseKeeper>> Grant(std::shared_ptr<Core> core,
                                                    std::chrono::seconds ttl, LeaseOptions options);
  ~LeaseKeeper();  // Stop().

  int64_t id() const { return id_; }
  int64_t ttl_seconds() const { return ttl_seconds_; }
  bool alive() const;
  std::optional<Error> lost() const;
  bool WaitLost(std::chrono::milliseconds timeout) const;
  int64_t renewals() const;
  Result<void> Revoke(const CallOptions& options);
  Result<int64_t> TimeToLive(const CallOptions& options);

  // Ends the keep-alive and joins its threads; the lease is left to expire.
  // Idempotent. REQUIRES: not on the keep-alive's threads.
  void Stop();

  // Use Grant(); public for make_shared.
  LeaseKeeper(std::shared_ptr<Core> core, int64_t id, int64_t ttl_seconds, LeaseOptions options);

 private:
  using KeepAliveStream =
      ReconnectingStream<etcdserverpb::LeaseKeepAliveRequest, etcdserverpb::LeaseKeepAliveResponse>;

  void StartKeepAlive();
  void Tick();
  void SendKeepAlive();
  bool OnResponse(const etcdserverpb::LeaseKeepAliveResponse& response);
  // Records why the lease ended (first reason wins), stops renewing and
  // calls on_lost when `notify`.
  void End(Error why, bool notify);

  const std::shared_ptr<Core> core_;
  const int64_t id_;
  const int64_t ttl_seconds_;
  const LeaseOptions options_;

  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  std::optional<Error> lost_;     // Guarded by mu_.
  bool stopping_ = false;         // Guarded by mu_.
  Clock::time_point expires_at_;  // Guarded by mu_: the last known expiry.
  Clock::time_point last_sent_;   // Guarded by mu_.
  int64_t renewals_ = 0;          // Guarded by mu_.
  std::unique_ptr<KeepAliveStream> stream_;
  std::thread ticker_;
  std::once_flag stop_once_;
};

}  // namespace strata::client::internal

// The state behind a Watch: one watch on a ReconnectingStream that is
// re-created from the revision after the last delivered event whenever the
// stream is reopened, so that the callback sees every event once, in order.
//
// Thread-safety: thread-safe; the callback runs on the stream's thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "client/core.h"
#include "client/stream.h"
#include "strata/watch.h"

namespace strata::client::internal {

class Watcher {
 public:
  // Starts the watch and waits (up to options.timeout) until the cluster
  // created it; the error of the creation otherwise (the watch is stopped).
  static Result<std::shared_ptr<Watcher>> Start(std::shared_ptr<Core> core, std::string key,
                                                WatchCallback callback, WatchOptions options);
  ~Watcher();  // Stop().

  void Cancel();
  // Cancels and joins the stream's thread. REQUIRES: not on that thread.
  void Stop();
  bool active() const;
  int64_t next_revision() const;
  int reconnects() const;
  std::string endpoint() const { return stream_ ? stream_->target() : std::string(); }

  // Use Start(); public for make_shared.
  Watcher(std::shared_ptr<Core> core, std::string key, WatchCallback callback,
          WatchOptions options);

 private:
  using WatchStream = ReconnectingStream<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>;

  void SendCreate();
  bool OnResponse(const etcdserverpb::WatchResponse& response);
  bool OnBroken(const grpc::Status& status);
  // The stream's thread ends: reports a client shutdown as the end.
  void OnEnd();
  // Delivers the final error (unless cancelled) and ends the watch.
  void Finish(Error error, int64_t compact_revision);

  const std::shared_ptr<Core> core_;
  const std::string key_;
  const std::string range_end_;
  const WatchCallback callback_;

  mutable std::mutex mu_;
  std::condition_variable changed_;
  int64_t next_revision_;             // Guarded by mu_: 0 until the first creation.
  bool created_ = false;              // Guarded by mu_.
  bool ended_ = false;                // Guarded by mu_: an error ended it.
  std::optional<Error> first_error_;  // Guarded by mu_: the end, before creation.
  std::atomic<bool> cancelled_{false};
  std::unique_ptr<WatchStream> stream_;
  std::once_flag stop_once_;
};

}  // namespace strata::client::internal

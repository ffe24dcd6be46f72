// A bidirectional gRPC stream that reopens itself: the one piece behind
// lease keep-alives and watches.
//
// One thread per stream opens it through the current endpoint, lets the
// owner send its opening messages (Handlers::on_open), hands every response
// to on_message, and when the stream breaks asks on_broken whether to go
// on; it then moves to another endpoint and reopens after a jittered
// back-off (RetryPolicy's, reset by any response). An expired auth token is
// refreshed and the stream reopened at once, once per break. Handlers run on
// that thread, one at a time.
//
// Stop() cancels the stream and ends the thread; Join() (and the destructor)
// waits for it. Client shutdown cancels the stream too (Core::Track); the
// thread then ends after on_end. An owner keeps the object alive until
// Join() returns: handlers (on_open above all) may run until then.
//
// Thread-safety: Write, Stop and target are safe from any thread.
// REQUIRES: Join and the destructor do not run on the stream's own thread
// (from a handler).
#pragma once

#include <grpcpp/grpcpp.h>
#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "client/core.h"
#include "client/retry.h"

namespace strata::client::internal {

template <typename Request, typename Response>
class ReconnectingStream {
 public:
  using Stream = grpc::ClientReaderWriterInterface<Request, Response>;

  struct Handlers {
    // Opens the stream on ep. Metadata (token, hasleader) is already set.
    std::function<std::unique_ptr<Stream>(Endpoint& ep, grpc::ClientContext* ctx)> open;
    // After each (re)open, before reading: send the opening messages with
    // Write. May be empty.
    std::function<void()> on_open;
    // Each response. False ends the stream for good (no reconnect).
    std::function<bool(const Response&)> on_message;
    // The stream broke with this status. False ends it for good.
    std::function<bool(const grpc::Status&)> on_broken;
    // Once, when the thread ends for any reason (Stop included). May be empty.
    std::function<void()> on_end;
  };

  // thread_name (at most 15 characters) names the stream's thread. route
  // picks the endpoint (kAny: the current one, moved on after failures).
  ReconnectingStream(std::shared_ptr<Core> core, Route route, Handlers handlers,
                     std::string thread_name)
      : core_(std::move(core)),
        route_(route),
        h_(std::move(handlers)),
        thread_name_(std::move(thread_name)) {}
  ~ReconnectingStream() { Join(); }
  ReconnectingStream(const ReconnectingStream&) = delete;
  ReconnectingStream& operator=(const ReconnectingStream&) = delete;

  // Starts the thread. REQUIRES: called once.
  void Start() {
    thread_ = std::thread([this] { Run(); });
  }

  // Ends the stream: cancels the open one, wakes a back-off. Does not wait.
  // Idempotent; safe from a handler.
  void Stop() {
    std::lock_guard lock(mu_);
    stopping_ = true;
    if (ctx_ != nullptr) ctx_->TryCancel();
    wake_.notify_all();
  }

  // Stop(), then waits until the thread has ended (after on_end). Idempotent.
  void Join() {
    Stop();
    std::lock_guard lock(join_mu_);
    if (thread_.joinable()) thread_.join();
  }

  // Sends on the open stream. False when none is open (the message is
  // dropped: the owner's on_open resends what matters after a reopen).
  bool Write(const Request& request) {
    std::lock_guard lock(write_mu_);
    return stream_ != nullptr && stream_->Write(request);
  }

  // The endpoint the stream is open on now ("" between streams).
  std::string target() {
    std::lock_guard lock(mu_);
    return target_;
  }

  // Times the stream was (re)opened.
  int opens() const { return opens_.load(); }

 private:
  void Run() {
    pthread_setname_np(pthread_self(), thread_name_.substr(0, 15).c_str());
    int failures = 0;
    bool refreshed_token = false;
    while (!stopping()) {
      std::shared_ptr<Endpoint> ep = core_->connection().Pick(route_);
      auto token = core_->StreamToken(Clock::now() + core_->options().default_timeout);
      if (!token.ok()) {
        if (core_->shut_down()) break;
        if (!h_.on_broken(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, token.error().message())))
          break;
        if (!Pause(++failures)) break;
        continue;
      }
      grpc::ClientContext ctx;
      if (!token->empty()) ctx.AddMetadata("token", *token);
      ctx.AddMetadata("hasleader", "true");  // A member without a leader refuses.
      if (!core_->Track(&ctx)) break;
      {
        std::lock_guard lock(mu_);
        ctx_ = &ctx;
        target_ = ep->target;
        if (stopping_) ctx.TryCancel();
      }
      std::unique_ptr<Stream> stream = h_.open(*ep, &ctx);
      {
        std::lock_guard lock(write_mu_);
        stream_ = stream.get();
      }
      ++opens_;
      if (h_.on_open) h_.on_open();
      bool done = false;
      Response response;
      while (stream->Read(&response)) {
        failures = 0;
        refreshed_token = false;
        if (!h_.on_message(response)) {
          done = true;
          break;
        }
      }
      // Read fails only once the call is over (writes then fail too); when
      // the owner ends it, cancel so that Finish returns at once. Cancelling
      // a call that is over would hide its status.
      if (done) ctx.TryCancel();
      {
        std::lock_guard lock(write_mu_);
        stream_ = nullptr;
      }
      const grpc::Status status = stream->Finish();
      {
        std::lock_guard lock(mu_);
        ctx_ = nullptr;
        target_.clear();
      }
      core_->Untrack(&ctx);
      if (done || stopping() || core_->shut_down()) break;
      const FailureKind kind = Classify(status.error_code(), status.error_message(), false);
      if (kind == FailureKind::kAuthExpired && !refreshed_token) {
        core_->InvalidateToken(*token);
        refreshed_token = true;
        continue;
      }
      core_->connection().ReportFailure(ep);
      if (!h_.on_broken(status)) break;
      if (!Pause(++failures)) break;
    }
    if (h_.on_end) h_.on_end();
  }

  bool stopping() {
    std::lock_guard lock(mu_);
    return stopping_;
  }

  // The back-off before reopen number `failures`; false if stopped meanwhile.
  bool Pause(int failures) {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    const double unit = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
    const auto delay = BackoffDelay(core_->options().retry, failures, unit);
    std::unique_lock lock(mu_);
    return !wake_.wait_for(lock, delay, [&] { return stopping_; });
  }

  const std::shared_ptr<Core> core_;
  const Route route_;
  const Handlers h_;
  const std::string thread_name_;
  std::atomic<int> opens_{0};

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;               // Guarded by mu_.
  grpc::ClientContext* ctx_ = nullptr;  // Guarded by mu_; the open stream's.
  std::string target_;                  // Guarded by mu_.
  std::mutex write_mu_;                 // Held while writing.
  Stream* stream_ = nullptr;            // Guarded by write_mu_.
  std::mutex join_mu_;                  // Serialises joins.
  std::thread thread_;
};

}  // namespace strata::client::internal

#include "client/lease_keeper.h"

#include <pthread.h>

#include <algorithm>

namespace strata::client::internal {

Result<std::shared_ptr<LeaseKeeper>> LeaseKeeper::Grant(std::shared_ptr<Core> core,
                                                        std::chrono::seconds ttl,
                                                        LeaseOptions options) {
  const std::string what = "grant_lease (ttl " + std::to_string(ttl.count()) + " s)";
  if (ttl.count() < 1) return Error(ErrorCode::kInvalidArgument, what + ": ttl must be >= 1 s");
  etcdserverpb::LeaseGrantRequest request;
  request.set_ttl(ttl.count());
  etcdserverpb::LeaseGrantResponse response;
  CallSpec spec{.what = what,
                .route = Route::kLeader,
                .idempotency = Idempotency::kWrite,
                .deadline = core->DeadlineAfter(options.timeout)};
  Result<void> r = core->Call(spec, [&](Endpoint& ep, grpc::ClientContext* ctx) {
    return ep.lease->LeaseGrant(ctx, request, &response);
  });
  if (!r.ok()) return r.error();
  if (!response.error().empty()) return Error(ErrorCode::kInternal, what + ": " + response.error());
  auto keeper =
      std::make_shared<LeaseKeeper>(std::move(core), response.id(), response.ttl(), options);
  if (options.keep_alive) keeper->StartKeepAlive();
  return keeper;
}

LeaseKeeper::LeaseKeeper(std::shared_ptr<Core> core, int64_t id, int64_t ttl_seconds,
                         LeaseOptions options)
    : core_(std::move(core)),
      id_(id),
      ttl_seconds_(ttl_seconds),
      options_(std::move(options)),
      expires_at_(Clock::now() + std::chrono::seconds(ttl_seconds)),
      last_sent_(Clock::now()) {}

LeaseKeeper::~LeaseKeeper() { Stop(); }

void LeaseKeeper::StartKeepAlive() {
  KeepAliveStream::Handlers h;
  h.open = [](Endpoint& ep, grpc::ClientContext* ctx) { return ep.lease->LeaseKeepAlive(ctx); };
  h.on_open = [this] { SendKeepAlive(); };
  h.on_message = [this](const etcdserverpb::LeaseKeepAliveResponse& r) { return OnResponse(r); };
  h.on_broken = [this](const grpc::Status&) { return alive(); };
  h.on_end = [this] {
    if (core_->shut_down()) End(Error(ErrorCode::kCancelled, "the client is shut down"), true);
  };
  stream_ = std::make_unique<KeepAliveStream>(core_, Route::kLeader, std::move(h), "strata-lease");
  stream_->Start();
  ticker_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "strata-lease-tk");
    Tick();
  });
}

void LeaseKeeper::SendKeepAlive() {
  {
    std::lock_guard lock(mu_);
    last_sent_ = Clock::now();
  }
  etcdserverpb::LeaseKeepAliveRequest request;
  request.set_id(id_);
  (void)stream_->Write(request);  // If the stream is down, on_open resends.
}

bool LeaseKeeper::OnResponse(const etcdserverpb::LeaseKeepAliveResponse& response) {
  if (response.id() != id_) return true;
  if (response.ttl() <= 0) {
    // TTL 0 means "gone" in etcd, but a member may also answer it when it
    // could not renew just now (Strata's does, during an election): ask.
    Result<int64_t> left = TimeToLive({});
    if (left.ok() || !left.error().Is(ErrorCode::kNotFound)) return true;
    End(Error(ErrorCode::kNotFound,
              "lease " + std::to_string(id_) + " expired or was revoked on the cluster"),
        /*notify=*/true);
    return false;
  }
  std::lock_guard lock(mu_);
  // The cluster counts the TTL from when it got the request: after we sent it.
  expires_at_ = std::max(expires_at_, last_sent_ + std::chrono::seconds(response.ttl()));
  ++renewals_;
  changed_.notify_all();
  return true;
}

void LeaseKeeper::Tick() {
  const auto interval = std::max<Clock::duration>(std::chrono::seconds(ttl_seconds_) / 3,
                                                  std::chrono::milliseconds(100));
  for (;;) {
    {
      std::unique_lock lock(mu_);
      const auto wake = std::min(Clock::now() + interval, expires_at_);
      changed_.wait_until(lock, wake, [&] { return stopping_ || lost_.has_value(); });
      if (stopping_ || lost_) return;
      if (Clock::now() >= expires_at_) {
        lock.unlock();
        End(Error(ErrorCode::kDeadlineExceeded, "lease " + std::to_string(id_) +
                                                    ": no renewal reached the cluster within its " +
                                                    std::to_string(ttl_seconds_) + " s TTL"),
            /*notify=*/true);
        return;
      }
      if (Clock::now() < wake) continue;  // Woken early by a renewal.
    }
    if (core_->shut_down()) {
      End(Error(ErrorCode::kCancelled, "the client is shut down"), /*notify=*/true);
      return;
    }
    SendKeepAlive();
  }
}

void LeaseKeeper::End(Error why, bool notify) {
  {
    std::lock_guard lock(mu_);
    if (lost_) return;
    lost_ = why;
    changed_.notify_all();
  }
  if (stream_) stream_->Stop();
  if (notify && options_.on_lost) options_.on_lost(why);
}

void LeaseKeeper::Stop() {
  std::call_once(stop_once_, [this] {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
      changed_.notify_all();
    }
    if (stream_) stream_->Stop();
    if (ticker_.joinable()) ticker_.join();
    // Not reset: until the thread ends, on_open may still write through stream_.
    if (stream_) stream_->Join();
  });
}

bool LeaseKeeper::alive() const {
  std::lock_guard lock(mu_);
  return !lost_;
}

std::optional<Error> LeaseKeeper::lost() const {
  std::lock_guard lock(mu_);
  return lost_;
}

bool LeaseKeeper::WaitLost(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return lost_.has_value(); });
}

int64_t LeaseKeeper::renewals() const {
  std::lock_guard lock(mu_);
  return renewals_;
}

Result<void> LeaseKeeper::Revoke(const CallOptions& options) {
  End(Error(ErrorCode::kCancelled, "lease " + std::to_string(id_) + " was revoked"),
      /*notify=*/false);
  Stop();
  etcdserverpb::LeaseRevokeRequest request;
  request.set_id(id_);
  etcdserverpb::LeaseRevokeResponse response;
  CallSpec spec{.what = "revoke lease " + std::to_string(id_),
                .route = Route::kLeader,
                .idempotency = Idempotency::kWrite,
                .retry_if_outcome_unknown = true,  // Revoking twice is harmless.
                .deadline = core_->DeadlineAfter(options.timeout)};
  Result<void> r = core_->Call(spec, [&](Endpoint& ep, grpc::ClientContext* ctx) {
    return ep.lease->LeaseRevoke(ctx, request, &response);
  });
  if (!r.ok() && r.error().Is(ErrorCode::kNotFound)) return {};  // Already gone.
  return r;
}

Result<int64_t> LeaseKeeper::TimeToLive(const CallOptions& options) {
  etcdserverpb::LeaseTimeToLiveRequest request;
  request.set_id(id_);
  etcdserverpb::LeaseTimeToLiveResponse response;
  const std::string what = "time_to_live of lease " + std::to_string(id_);
  CallSpec spec{
      .what = what, .route = Route::kLeader, .deadline = core_->DeadlineAfter(options.timeout)};
  Result<void> r = core_->Call(spec, [&](Endpoint& ep, grpc::ClientContext* ctx) {
    return ep.lease->LeaseTimeToLive(ctx, request, &response);
  });
  if (!r.ok()) return r.error();
  if (response.ttl() < 0) return Error(ErrorCode::kNotFound, what + ": lease not found");
  return response.ttl();
}

}  // namespace strata::client::internal

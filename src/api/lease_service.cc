#include "api/lease_service.h"

#include <chrono>
#include <deque>
#include <mutex>

#include "api/etcd_status.h"
#include "api/propose.h"
#include "kv/etcd_errors.h"

namespace strata::api {
namespace {

// Ids carry this many counter bits below the milliseconds.
constexpr int kCounterBits = 16;

// Answers a unary call with result.
template <typename T>
void FinishWith(grpc::ServerUnaryReactor* reactor, T* response, Result<T> result) {
  if (!result.ok()) return reactor->Finish(ToGrpcStatus(result.status()));
  *response = std::move(*result);
  reactor->Finish(grpc::Status::OK);
}

}  // namespace

LeaseService::LeaseService(LeaseServiceDeps deps)
    : deps_(std::move(deps)),
      id_suffix_(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count())
                 << kCounterBits) {}

int64_t LeaseService::MinTtlSeconds(std::chrono::milliseconds election_timeout) {
  int64_t ms = election_timeout.count() * 3 / 2;
  return std::max<int64_t>(1, (ms + 999) / 1000);
}

int64_t LeaseService::NextId() {
  // etcd's idutil scheme: the member id's low bits on top, then time and a
  // counter, so members never collide and restarts move forward.
  uint64_t prefix = (deps_.member_id & 0xffff) << 47;
  uint64_t suffix = id_suffix_.fetch_add(1) & ((uint64_t{1} << 47) - 1);
  int64_t id = static_cast<int64_t>((prefix | suffix) & ~(uint64_t{1} << 63));
  return id != 0 ? id : 1;
}

void LeaseService::FillHeader(etcdserverpb::ResponseHeader* header) const {
  deps_.fill_header(header);
  header->set_revision(deps_.current_revision());
}

Result<Caller> LeaseService::Admit(grpc::CallbackServerContext* context,
                                   const requestpb::InternalRequest& request) const {
  if (deps_.auth == nullptr) return Caller{};
  Result<Caller> caller = deps_.auth->FromGrpc(*context);
  if (!caller.ok()) return caller;
  if (deps_.permitted) STRATA_RETURN_IF_ERROR(deps_.permitted(*caller, request));
  return caller;
}

void LeaseService::Grant(Caller caller, etcdserverpb::LeaseGrantRequest request, int attempts_left,
                         Done<etcdserverpb::LeaseGrantResponse> done) {
  bool generated = request.id() == 0;
  if (generated) request.set_id(NextId());
  requestpb::InternalRequest internal;
  *internal.mutable_lease_grant() = request;
  internal.mutable_header()->set_username(caller.user);
  internal.mutable_header()->set_internal(caller.internal);
  ProposeRequest<etcdserverpb::LeaseGrantResponse>(
      deps_.node, deps_.range, internal, deps_.fill_header,
      [this, caller, request, generated, attempts_left,
       done = std::move(done)](Result<etcdserverpb::LeaseGrantResponse> r) mutable {
        // A generated id that happens to exist already: pick another.
        if (generated && attempts_left > 1 && !r.ok() &&
            kv::AsEtcdError(r.status()) == kv::EtcdError::kLeaseExist) {
          request.set_id(0);
          return Grant(std::move(caller), std::move(request), attempts_left - 1, std::move(done));
        }
        done(std::move(r));
      });
}

void LeaseService::GrantSessionLease(int64_t ttl_seconds, Done<int64_t> done) {
  if (deps_.check_quota) {
    Status quota = deps_.check_quota();
    if (!quota.ok()) return done(quota);
  }
  etcdserverpb::LeaseGrantRequest grant;
  grant.set_ttl(std::max(ttl_seconds, deps_.min_ttl_seconds));
  Grant(Caller::Internal(), std::move(grant), /*attempts_left=*/3,
        [done = std::move(done)](Result<etcdserverpb::LeaseGrantResponse> r) {
          if (!r.ok()) return done(r.status());
          done(r->id());
        });
}

grpc::ServerUnaryReactor* LeaseService::LeaseGrant(grpc::CallbackServerContext* context,
                                                   const etcdserverpb::LeaseGrantRequest* request,
                                                   etcdserverpb::LeaseGrantResponse* response) {
  auto* reactor = context->DefaultReactor();
  if (request->ttl() > kMaxLeaseTtlSeconds) {
    FinishWith<etcdserverpb::LeaseGrantResponse>(
        reactor, response, kv::MakeEtcdError(kv::EtcdError::kLeaseTTLTooLarge));
    return reactor;
  }
  if (deps_.check_quota) {
    Status quota = deps_.check_quota();
    if (!quota.ok()) {
      FinishWith<etcdserverpb::LeaseGrantResponse>(reactor, response, quota);
      return reactor;
    }
  }
  requestpb::InternalRequest check;
  *check.mutable_lease_grant() = *request;
  Result<Caller> caller = Admit(context, check);
  if (!caller.ok()) {
    FinishWith<etcdserverpb::LeaseGrantResponse>(reactor, response, caller.status());
    return reactor;
  }
  etcdserverpb::LeaseGrantRequest grant = *request;
  grant.set_ttl(std::max(grant.ttl(), deps_.min_ttl_seconds));
  Grant(std::move(*caller), std::move(grant), /*attempts_left=*/3,
        [reactor, response](Result<etcdserverpb::LeaseGrantResponse> r) {
          FinishWith(reactor, response, std::move(r));
        });
  return reactor;
}

grpc::ServerUnaryReactor* LeaseService::LeaseRevoke(grpc::CallbackServerContext* context,
                                                    const etcdserverpb::LeaseRevokeRequest* request,
                                                    etcdserverpb::LeaseRevokeResponse* response) {
  auto* reactor = context->DefaultReactor();
  requestpb::InternalRequest internal;
  *internal.mutable_lease_revoke() = *request;
  Result<Caller> caller = Admit(context, internal);
  if (!caller.ok()) {
    FinishWith<etcdserverpb::LeaseRevokeResponse>(reactor, response, caller.status());
    return reactor;
  }
  internal.mutable_header()->set_username(caller->user);
  ProposeRequest<etcdserverpb::LeaseRevokeResponse>(
      deps_.node, deps_.range, internal, deps_.fill_header,
      [reactor, response](Result<etcdserverpb::LeaseRevokeResponse> r) {
        FinishWith(reactor, response, std::move(r));
      });
  return reactor;
}

grpc::ServerUnaryReactor* LeaseService::LeaseTimeToLive(
    grpc::CallbackServerContext* context, const etcdserverpb::LeaseTimeToLiveRequest* request,
    etcdserverpb::LeaseTimeToLiveResponse* response) {
  auto* reactor = context->DefaultReactor();
  int64_t id = request->id();
  bool with_keys = request->keys();
  deps_.lessor->remaining(id, [this, reactor, response, id, with_keys](Result<int64_t> ttl) {
    etcdserverpb::LeaseTimeToLiveResponse out;
    out.set_id(id);
    std::optional<kv::Lease> lease = deps_.leases->Get(id);
    if (!ttl.ok() && kv::AsEtcdError(ttl.status()) != kv::EtcdError::kLeaseNotFound) {
      return FinishWith<etcdserverpb::LeaseTimeToLiveResponse>(reactor, response, ttl.status());
    }
    if (!ttl.ok() || !lease) {
      out.set_ttl(-1);  // etcd's answer for an expired or unknown lease.
    } else {
      out.set_ttl(*ttl);
      out.set_grantedttl(lease->ttl);
      if (with_keys) {
        for (const std::string& key : lease->keys) out.add_keys(key);
      }
    }
    FillHeader(out.mutable_header());
    FinishWith<etcdserverpb::LeaseTimeToLiveResponse>(reactor, response, std::move(out));
  });
  return reactor;
}

grpc::ServerUnaryReactor* LeaseService::LeaseLeases(grpc::CallbackServerContext* context,
                                                    const etcdserverpb::LeaseLeasesRequest*,
                                                    etcdserverpb::LeaseLeasesResponse* response) {
  auto* reactor = context->DefaultReactor();
  etcdserverpb::LeaseLeasesResponse out;
  for (const auto& [id, ttl] : deps_.leases->List()) out.add_leases()->set_id(id);
  FillHeader(out.mutable_header());
  FinishWith<etcdserverpb::LeaseLeasesResponse>(reactor, response, std::move(out));
  return reactor;
}

// One keep-alive stream: each request renews one lease; answers go back in
// order, one write at a time.
class LeaseService::KeepAliveReactor final
    : public grpc::ServerBidiReactor<etcdserverpb::LeaseKeepAliveRequest,
                                     etcdserverpb::LeaseKeepAliveResponse> {
 public:
  explicit KeepAliveReactor(LeaseService* service) : service_(service) { StartRead(&request_); }

  void OnReadDone(bool ok) override {
    if (!ok) {
      {
        std::lock_guard lock(mu_);
        reads_done_ = true;
      }
      Pump();
      return;
    }
    int64_t id = request_.id();
    {
      std::lock_guard lock(mu_);
      if (!error_.ok()) return;  // The stream is ending: no more reads.
      ++pending_;
    }
    service_->deps_.lessor->keep_alive(id, [this, id](Result<int64_t> ttl) {
      {
        std::lock_guard lock(mu_);
        --pending_;
        if (ttl.ok() || kv::AsEtcdError(ttl.status()) == kv::EtcdError::kLeaseNotFound) {
          // etcd answers TTL 0 for a lease that is gone.
          etcdserverpb::LeaseKeepAliveResponse out;
          out.set_id(id);
          out.set_ttl(ttl.ok() ? *ttl : 0);
          service_->FillHeader(out.mutable_header());
          outbox_.push_back(std::move(out));
        } else if (error_.ok()) {
          // Any other failure (no leader, a timeout) ends the stream with
          // the error, as in etcd: a TTL of 0 would tell the client that its
          // lease has expired, and clients reopen a failed stream.
          error_ = ToGrpcStatus(ttl.status());
        }
      }
      Pump();
    });
    StartRead(&request_);
  }

  void OnWriteDone(bool ok) override {
    {
      std::lock_guard lock(mu_);
      writing_ = false;
      if (!ok) reads_done_ = broken_ = true;
    }
    Pump();
  }

  void OnDone() override {
    // Every keep-alive callback finished before Finish (pending_ == 0).
    delete this;
  }

 private:
  void Pump() {
    bool finish = false;
    {
      std::lock_guard lock(mu_);
      if (writing_ || finished_) return;
      if (!error_.ok() && pending_ == 0) {
        finished_ = finish = true;
      } else if (reads_done_ && pending_ == 0 && (broken_ || outbox_.empty())) {
        finished_ = finish = true;
      } else {
        if (outbox_.empty() || broken_) return;
        current_ = std::move(outbox_.front());
        outbox_.pop_front();
        writing_ = true;
      }
    }
    if (finish) {
      Finish(error_);
    } else {
      StartWrite(&current_);
    }
  }

  LeaseService* const service_;
  etcdserverpb::LeaseKeepAliveRequest request_;
  std::mutex mu_;
  std::deque<etcdserverpb::LeaseKeepAliveResponse> outbox_;  // Guarded by mu_.
  etcdserverpb::LeaseKeepAliveResponse current_;
  int pending_ = 0;  // Keep-alives being answered. Guarded by mu_.
  bool writing_ = false;
  bool reads_done_ = false;
  bool broken_ = false;
  bool finished_ = false;
  grpc::Status error_;  // Set by the first failed renewal; ends the stream.
};

grpc::ServerBidiReactor<etcdserverpb::LeaseKeepAliveRequest, etcdserverpb::LeaseKeepAliveResponse>*
LeaseService::LeaseKeepAlive(grpc::CallbackServerContext*) {
  return new KeepAliveReactor(this);
}

}  // namespace strata::api

// Locks over the etcd v3lock service: Lock waits for ownership, a read of
// the owner key gives the fencing revision, Unlock (or revoking the lock's
// own lease) releases it.
#include "strata/lock.h"

#include "strata/client.h"

#include "client/core.h"
#include "client/kv_ops.h"
#include "client/lease_keeper.h"
#include "client/text.h"

namespace strata::client {
namespace {

using internal::CallSpec;
using internal::Core;
using internal::Endpoint;
using internal::QuoteKey;
using internal::Route;

Result<void> Unlock(Core& core, const std::string& key, const CallOptions& options) {
  v3lockpb::UnlockRequest request;
  request.set_key(key);
  v3lockpb::UnlockResponse response;
  CallSpec spec{.what = "unlock " + QuoteKey(key),
                .route = Route::kLeader,
                .idempotency = internal::Idempotency::kWrite,
                .retry_if_outcome_unknown = true,  // Deleting the key twice is harmless.
                .deadline = core.DeadlineAfter(options.timeout)};
  return core.Call(spec, [&](Endpoint& ep, grpc::ClientContext* ctx) {
    return ep.lock->Unlock(ctx, request, &response);
  });
}

}  // namespace

LockGuard::LockGuard(std::shared_ptr<internal::Core> core, std::string key,
                     int64_t fencing_revision, int64_t lease_id, std::optional<Lease> own_lease)
    : core_(std::move(core)),
      key_(std::move(key)),
      fencing_revision_(fencing_revision),
      lease_id_(lease_id),
      own_lease_(std::move(own_lease)) {}

LockGuard::LockGuard(LockGuard&& other) noexcept
    : core_(std::move(other.core_)),
      key_(std::move(other.key_)),
      fencing_revision_(other.fencing_revision_),
      lease_id_(other.lease_id_),
      own_lease_(std::move(other.own_lease_)),
      unlocked_(other.unlocked_.load()) {
  other.unlocked_ = true;
}

LockGuard& LockGuard::operator=(LockGuard&& other) noexcept {
  if (this != &other) {
    (void)unlock();
    core_ = std::move(other.core_);
    key_ = std::move(other.key_);
    fencing_revision_ = other.fencing_revision_;
    lease_id_ = other.lease_id_;
    own_lease_ = std::move(other.own_lease_);
    unlocked_ = other.unlocked_.load();
    other.unlocked_ = true;
  }
  return *this;
}

LockGuard::~LockGuard() { (void)unlock(); }

bool LockGuard::held() const {
  if (unlocked_) return false;
  return !own_lease_ || own_lease_->alive();
}

Result<void> LockGuard::unlock(const CallOptions& options) {
  if (unlocked_.exchange(true)) return {};
  // Revoking the lock's own lease deletes the key: one round trip.
  if (own_lease_) return own_lease_->revoke(options);
  return Unlock(*core_, key_, options);
}

Result<LockGuard> Client::LockWith(const std::shared_ptr<Core>& core, std::string_view name,
                                   const LockOptions& options) {
  using namespace internal;
  const std::string what = "lock " + QuoteKey(name);
  if (name.empty()) return Error(ErrorCode::kInvalidArgument, what + ": empty name");
  const Deadline deadline = core->DeadlineAfter(options.timeout);
  std::optional<Lease> own;
  int64_t lease_id = options.lease;
  if (lease_id == 0) {
    auto keeper = LeaseKeeper::Grant(core, options.session_ttl, {});
    if (!keeper.ok()) return keeper.error();
    own.emplace(Lease(std::move(keeper).value()));
    lease_id = own->id();
  }
  auto fail = [&](const Error& e) -> Error {
    if (own) (void)own->revoke();  // Drops the key if the lock was taken after all.
    return e;
  };
  v3lockpb::LockRequest request;
  request.set_name(std::string(name));
  request.set_lease(lease_id);
  v3lockpb::LockResponse response;
  CallSpec spec{.what = what,
                .route = Route::kLeader,
                .idempotency = Idempotency::kWrite,
                .deadline = deadline};
  Result<void> r = core->Call(spec, [&](Endpoint& ep, grpc::ClientContext* ctx) {
    return ep.lock->Lock(ctx, request, &response);
  });
  if (!r.ok()) return fail(r.error());
  // The fencing revision is the owner key's create revision.
  ReadOptions read;
  read.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (read.timeout.count() <= 0) read.timeout = std::chrono::milliseconds(1);
  auto kv = Get(*core, response.key(), read);
  if (!kv.ok()) {
    if (kv.error().Is(ErrorCode::kNotFound)) {
      return fail(Error(ErrorCode::kFailedPrecondition,
                        what + ": the lock's lease ended right after it was taken"));
    }
    return fail(kv.error());
  }
  return LockGuard(core, response.key(), kv->create_revision, lease_id, std::move(own));
}

}  // namespace strata::client

// Lease: the public face of a LeaseKeeper.
#include "strata/lease.h"

#include "client/lease_keeper.h"

namespace strata::client {

Lease::Lease(std::shared_ptr<internal::LeaseKeeper> keeper) : keeper_(std::move(keeper)) {}
Lease::Lease(Lease&&) noexcept = default;
Lease& Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    if (keeper_) keeper_->Stop();
    keeper_ = std::move(other.keeper_);
  }
  return *this;
}
Lease::~Lease() {
  if (keeper_) keeper_->Stop();
}

int64_t Lease::id() const { return keeper_ ? keeper_->id() : 0; }
int64_t Lease::ttl_seconds() const { return keeper_ ? keeper_->ttl_seconds() : 0; }
bool Lease::alive() const { return keeper_ && keeper_->alive(); }
std::optional<Error> Lease::lost() const {
  if (!keeper_) return Error(ErrorCode::kFailedPrecondition, "a moved-from lease");
  return keeper_->lost();
}
bool Lease::wait_lost(std::chrono::milliseconds timeout) const {
  return !keeper_ || keeper_->WaitLost(timeout);
}
Result<void> Lease::revoke(const CallOptions& options) {
  if (!keeper_) return Error(ErrorCode::kFailedPrecondition, "revoke of a moved-from lease");
  return keeper_->Revoke(options);
}
Result<int64_t> Lease::time_to_live(const CallOptions& options) {
  if (!keeper_) return Error(ErrorCode::kFailedPrecondition, "time_to_live of a moved-from lease");
  return keeper_->TimeToLive(options);
}
int64_t Lease::renewals() const { return keeper_ ? keeper_->renewals() : 0; }

}  // namespace strata::client

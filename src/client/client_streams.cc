// Client's leases and watches: thin wrappers over LeaseKeeper and Watcher.
#include "client/core.h"
#include "client/lease_keeper.h"
#include "client/snapshot.h"
#include "client/watcher.h"
#include "strata/client.h"

namespace strata::client {

Result<Lease> Client::GrantLease(const std::shared_ptr<internal::Core>& core,
                                 std::chrono::seconds ttl, const LeaseOptions& options) {
  auto keeper = internal::LeaseKeeper::Grant(core, ttl, options);
  if (!keeper.ok()) return keeper.error();
  return Lease(std::move(keeper).value());
}

Result<Lease> Client::grant_lease(std::chrono::seconds ttl, const LeaseOptions& options) {
  return GrantLease(core_, ttl, options);
}
std::future<Result<Lease>> Client::grant_lease_async(std::chrono::seconds ttl,
                                                     LeaseOptions options) {
  auto core = core_;
  return core_->Async<Lease>([core, ttl, options] { return GrantLease(core, ttl, options); });
}

Result<Watch> Client::StartWatch(const std::shared_ptr<internal::Core>& core, std::string key,
                                 WatchCallback callback, const WatchOptions& options) {
  auto watcher = internal::Watcher::Start(core, std::move(key), std::move(callback), options);
  if (!watcher.ok()) return watcher.error();
  return Watch(std::move(watcher).value());
}

Result<Watch> Client::watch(std::string_view key, WatchCallback callback,
                            const WatchOptions& options) {
  return StartWatch(core_, std::string(key), std::move(callback), options);
}
std::future<Result<Watch>> Client::watch_async(std::string key, WatchCallback callback,
                                               WatchOptions options) {
  auto core = core_;
  return core_->Async<Watch>([core, key = std::move(key), callback = std::move(callback), options] {
    return StartWatch(core, key, callback, options);
  });
}

Result<LockGuard> Client::lock(std::string_view name, const LockOptions& options) {
  return LockWith(core_, name, options);
}
std::future<Result<LockGuard>> Client::lock_async(std::string name, LockOptions options) {
  auto core = core_;
  return core_->Async<LockGuard>(
      [core, name = std::move(name), options] { return LockWith(core, name, options); });
}

Result<SnapshotInfo> Client::save_snapshot(const std::string& path, const CallOptions& options) {
  return internal::SaveSnapshot(*core_, path, options);
}
std::future<Result<SnapshotInfo>> Client::save_snapshot_async(std::string path,
                                                              CallOptions options) {
  auto core = core_;
  return core_->Async<SnapshotInfo>([core, path = std::move(path), options] {
    return internal::SaveSnapshot(*core, path, options);
  });
}

// Watch: the public face of a Watcher.
Watch::Watch(std::shared_ptr<internal::Watcher> watcher) : watcher_(std::move(watcher)) {}
Watch::Watch(Watch&&) noexcept = default;
Watch& Watch::operator=(Watch&& other) noexcept {
  if (this != &other) {
    if (watcher_) watcher_->Stop();
    watcher_ = std::move(other.watcher_);
  }
  return *this;
}
Watch::~Watch() {
  if (watcher_) watcher_->Stop();
}
void Watch::cancel() {
  if (watcher_) watcher_->Cancel();
}
bool Watch::active() const { return watcher_ && watcher_->active(); }
int64_t Watch::next_revision() const { return watcher_ ? watcher_->next_revision() : 0; }
int Watch::reconnects() const { return watcher_ ? watcher_->reconnects() : 0; }
std::string Watch::endpoint() const { return watcher_ ? watcher_->endpoint() : std::string(); }

}  // namespace strata::client

// Distributed locks over the etcd v3lock service.
//
//   auto guard = client.lock("jobs/cleanup");
//   if (!guard.ok()) return Fail(guard.error());
//   WriteFenced(guard->fencing_revision());  // storage rejects older tokens
//   // unlocked when guard goes out of scope
//
// A lock is held while its lease lives. With LockOptions::lease 0, the lock
// grants its own lease (session_ttl) and keeps it alive; unlocking revokes
// it. With a caller's lease, the lock ends when that lease ends.
// fencing_revision() is the create revision of the lock's key: every later
// holder of the same name has a larger one (docs/locks.md).
//
// Thread-safety: thread-compatible: use one guard from one thread at a time
// (held() may be asked from any). A moved-from guard does nothing.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "strata/lease.h"
#include "strata/result.h"
#include "strata/types.h"

namespace strata::client {

class Client;
namespace internal {
class Core;
}

struct LockOptions {
  // Hold the lock with this lease (Lease::id()). 0: grant one of
  // session_ttl and keep it alive. Default: 0.
  int64_t lease = 0;
  // TTL of the lock's own lease: how long the lock outlives a client that
  // died holding it. Default: 10 s.
  std::chrono::seconds session_ttl{10};
  // How long to wait for the lock. 0: ClientOptions::default_timeout.
  std::chrono::milliseconds timeout{0};
};

class LockGuard {
 public:
  LockGuard(LockGuard&&) noexcept;
  LockGuard& operator=(LockGuard&&) noexcept;
  // unlock(), ignoring its result.
  ~LockGuard();

  // The lock's key in the cluster (name/<lease id in hex>).
  const std::string& key() const { return key_; }
  // The create revision of key(): increases with every new holder.
  int64_t fencing_revision() const { return fencing_revision_; }
  // The lease that holds the lock.
  int64_t lease_id() const { return lease_id_; }
  // False once the lock's own lease was lost (the lock may then be held by
  // another). Always true with a caller's lease: watch that lease instead.
  bool held() const;

  // Releases the lock (and revokes its own lease). Not an error if it was
  // already released; a second call does nothing.
  Result<void> unlock(const CallOptions& options = {});

 private:
  friend class Client;
  LockGuard(std::shared_ptr<internal::Core> core, std::string key, int64_t fencing_revision,
            int64_t lease_id, std::optional<Lease> own_lease);
  std::shared_ptr<internal::Core> core_;
  std::string key_;
  int64_t fencing_revision_ = 0;
  int64_t lease_id_ = 0;
  std::optional<Lease> own_lease_;
  std::atomic<bool> unlocked_{false};
};

}  // namespace strata::client

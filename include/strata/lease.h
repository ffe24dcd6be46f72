// Leases: a TTL that keys can be attached to (WriteOptions::lease). When
// the lease ends (it expired or was revoked), the cluster deletes its keys.
//
//   auto lease = client.grant_lease(std::chrono::seconds(5));
//   client.put("service/me", "addr", {.lease = lease->id()});
//   // ...the key lives while `lease` is kept alive...
//   lease->revoke();  // deletes service/me now
//
// A Lease keeps itself alive: a background LeaseKeepAlive stream renews it
// every third of its TTL, reopened on another member after a failure. It is
// lost when the cluster says it is gone, or when no renewal succeeded within
// a TTL; lost() then says why, and LeaseOptions::on_lost is called once.
//
// Thread-safety: thread-safe. Destroying a Lease stops its keep-alive (the
// thread is joined) but does not revoke it: it then expires after its TTL.
// REQUIRES: not destroyed from its own on_lost callback.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "strata/result.h"
#include "strata/types.h"

namespace strata::client {

class Client;
namespace internal {
class LeaseKeeper;
}

struct LeaseOptions {
  // Renew in the background until revoked or destroyed. Default: true.
  bool keep_alive = true;
  // Called once, on the keep-alive thread, when the lease is lost (not
  // after revoke()). Default: none.
  std::function<void(const Error&)> on_lost{};
  // Deadline of the grant. 0: ClientOptions::default_timeout.
  std::chrono::milliseconds timeout{0};
};

class Lease {
 public:
  Lease(Lease&&) noexcept;
  Lease& operator=(Lease&&) noexcept;
  ~Lease();

  // The lease id, for WriteOptions::lease.
  int64_t id() const;
  // The TTL the cluster granted, in seconds.
  int64_t ttl_seconds() const;

  // True until the lease is lost or revoked.
  bool alive() const;
  // Why the lease ended: kNotFound (expired on the cluster), kDeadlineExceeded
  // (no renewal within a TTL), kCancelled (revoked, or the client shut
  // down). nullopt while alive.
  std::optional<Error> lost() const;
  // Waits until the lease is lost (true) or the timeout passes (false).
  bool wait_lost(std::chrono::milliseconds timeout) const;

  // Stops the keep-alive and revokes the lease, deleting its keys. Not an
  // error if it had already expired.
  Result<void> revoke(const CallOptions& options = {});

  // Seconds the lease has left on the cluster (LeaseTimeToLive); kNotFound
  // once it is gone.
  Result<int64_t> time_to_live(const CallOptions& options = {});

  // Renewals the cluster acknowledged so far (for tests and metrics).
  int64_t renewals() const;

 private:
  friend class Client;
  explicit Lease(std::shared_ptr<internal::LeaseKeeper> keeper);
  std::shared_ptr<internal::LeaseKeeper> keeper_;
};

}  // namespace strata::client

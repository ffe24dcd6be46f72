// Lessor: when etcd leases expire, and their keep-alives.
//
// Which leases exist is replicated (kv::LeaseTable); when they expire is
// decided by the leader alone, from its own clock: it keeps an expiry time
// per lease, renews it on every keep-alive, and proposes a LeaseRevoke
// through raft once it passes, so every member revokes the lease (and
// deletes its keys) at the same point of the log. Followers hand
// keep-alives and time-to-live queries to the leader over the peer
// transport.
//
// A new leader knows nothing of its predecessor's clock, so it gives every
// lease its full TTL again, plus one election timeout (etcd's Promote does
// the same): a lease can outlive its TTL across a leader change, but is
// never revoked early. Leases survive restarts the same way.
//
// Thread-safety: all public methods are safe from any thread. on_granted
// and on_revoked come from the apply path and must stay cheap.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "base/status.h"
#include "kv/lease_table.h"
#include "node/node.h"

namespace strata::api {

// etcd's largest TTL (lease.MaxLeaseTTL), in seconds.
inline constexpr int64_t kMaxLeaseTtlSeconds = 9000000000;

struct LessorOptions {
  // How often the leader looks for expired leases. Default: 500 ms.
  std::chrono::milliseconds check_interval{500};
  // Added to every TTL when this member becomes leader. Default: 1 s.
  std::chrono::milliseconds promote_extension{1000};
  // Revokes proposed per check at most (etcd: 1,000 per second). Default: 500.
  int max_revokes_per_check = 500;
  // How long a keep-alive forwarded to the leader may take. Default: 2 s.
  std::chrono::milliseconds forward_timeout{2000};
};

// What the lessor needs from the rest of the member.
struct LessorDeps {
  node::Node* node = nullptr;
  raft::RangeId range;
  const kv::LeaseTable* leases = nullptr;
  raft::NodeId self;
  // Runs `method` with payload on peer `to` (GrpcTransport::call).
  std::function<void(raft::NodeId to, std::string method, std::string payload,
                     std::function<void(Result<std::string>)> done)>
      call_peer;
};

class Lessor {
 public:
  // The peer-call methods the lessor serves (see serve_peer_call).
  static constexpr std::string_view kRenewMethod = "lease/renew";
  static constexpr std::string_view kRemainingMethod = "lease/remaining";

  Lessor(LessorDeps deps, LessorOptions options = {});
  // Stops the expiry thread.
  ~Lessor();
  Lessor(const Lessor&) = delete;
  Lessor& operator=(const Lessor&) = delete;

  // Starts the expiry thread.
  void start();

  // A lease was granted / revoked (apply path, every member).
  void on_granted(int64_t id, int64_t ttl);
  void on_revoked(int64_t id);

  // Renews lease id on the leader (forwarding when this member is not) and
  // answers its TTL in seconds. A leader that does not know the lease first
  // applies everything committed (a ReadIndex round), so a lease granted
  // through another member a moment ago is found. Errors: kLeaseNotFound
  // (etcd error) for an unknown or expired lease; kNotLeader / kUnavailable
  // when no leader answers.
  void keep_alive(int64_t id, std::function<void(Result<int64_t>)> done);
  // The lease's remaining TTL in seconds, from the leader. Errors: as
  // keep_alive.
  void remaining(int64_t id, std::function<void(Result<int64_t>)> done);

  // Serves a peer's forwarded request (kRenewMethod / kRemainingMethod) and
  // replies, maybe later (see keep_alive). Errors: kNotLeader if this member
  // does not lead; the catch-up's (kUnavailable, kDeadlineExceeded);
  // kInvalidArgument for an unknown method or payload.
  void serve_peer_call(const std::string& method, const std::string& payload,
                       std::function<void(Result<std::string>)> reply);

 private:
  using Clock = std::chrono::steady_clock;
  // Brings the leader-only state in step with this member's role: promote
  // (every lease to its full TTL) on gaining leadership, forget on losing
  // it. Returns whether this member leads. REQUIRES mu_.
  bool sync_role_locked(Clock::time_point now);
  Result<int64_t> renew_local(int64_t id);
  // Answers `local` (this member leads); when it finds no such lease, first
  // catches up with the committed log and asks again.
  void on_leader(std::function<Result<int64_t>(int64_t)> local, int64_t id,
                 std::function<void(Result<int64_t>)> done);
  Result<int64_t> remaining_local(int64_t id);
  // Forwards to the leader, or runs local when this member leads.
  void ask_leader(std::string_view method, int64_t id,
                  std::function<Result<int64_t>(int64_t)> local,
                  std::function<void(Result<int64_t>)> done);
  void run();
  void revoke_expired();

  const LessorDeps deps_;
  const LessorOptions options_;

  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool leading_ = false;
  std::map<int64_t, Clock::time_point> expiry_;  // Leader only. Guarded by mu_.
  std::set<int64_t> revoking_;                   // Revokes in flight. Guarded by mu_.
  std::thread thread_;
};

}  // namespace strata::api

// The client's view of the cluster: one gRPC channel per member endpoint,
// which endpoint to talk to now, and which one leads.
//
// Routing: calls that must reach the leader anyway (writes, linearizable
// reads) go to the leader when it is known, which saves the member-to-leader
// hop; others go to the current endpoint, which stays the same until it
// fails (then the next one in the list). A failure of the leader's endpoint
// forgets the leader; the next leader-bound call looks it up again, at most
// once per leader_refresh_interval.
//
// Thread-safety: thread-safe.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "etcd/v3lockpb/v3lock.grpc.pb.h"
#include "strata/options.h"
#include "strata/result.h"

namespace strata::client::internal {

// One member's address and the stubs over its channel (thread-safe stubs).
struct Endpoint {
  std::string target{};  // host:port
  bool seed = false;     // From ClientOptions::endpoints (never dropped).
  std::shared_ptr<grpc::Channel> channel{};
  std::unique_ptr<etcdserverpb::KV::Stub> kv{};
  std::unique_ptr<etcdserverpb::Cluster::Stub> cluster{};
  std::unique_ptr<etcdserverpb::Maintenance::Stub> maintenance{};
  std::unique_ptr<etcdserverpb::Auth::Stub> auth{};
  std::unique_ptr<etcdserverpb::Lease::Stub> lease{};
  std::unique_ptr<etcdserverpb::Watch::Stub> watch{};
  std::unique_ptr<v3lockpb::Lock::Stub> lock{};
};

enum class Route {
  kLeader,  // Writes and linearizable reads.
  kAny,     // Serializable reads, member list, status, authentication.
};

// A member as discovery reports it.
struct MemberAddress {
  uint64_t id = 0;
  std::vector<std::string> targets{};  // host:port of its client URLs.
};

class Connection {
 public:
  using ChannelFactory = std::function<std::shared_ptr<grpc::Channel>(const std::string& target)>;

  // kInvalidArgument when there is no endpoint or a TLS file is unreadable.
  static Result<std::unique_ptr<Connection>> Create(const ClientOptions& options);
  // With a given channel factory (tests). REQUIRES: !seeds.empty().
  Connection(const std::vector<std::string>& seeds, ChannelFactory factory,
             std::chrono::milliseconds leader_refresh_interval, bool discover_members);

  // The endpoint for a call of this route. Never null.
  std::shared_ptr<Endpoint> Pick(Route route);
  // The call through ep failed in a way that says nothing good of ep (no
  // connection, no verdict): move away from it, and forget it as leader.
  void ReportFailure(const std::shared_ptr<Endpoint>& ep);

  // True if the leader is unknown, no look-up is running and the last one
  // is older than the refresh interval. When true, the caller owns the
  // look-up and must end it with EndLeaderRefresh.
  bool BeginLeaderRefresh();
  void EndLeaderRefresh();

  // Discovery's answer: the members and the leader (0: none) in raft term
  // `term`. Adds endpoints for new members (with discover_members), drops
  // discovered endpoints of members that left, and sets the leader's
  // endpoint.
  void Update(const std::vector<MemberAddress>& members, uint64_t leader_id, uint64_t term);

  // A response carried raft term `term`: past the term in which the leader
  // was learned, leadership may have moved, so the leader is looked up again.
  void ObserveTerm(uint64_t term);

  // The endpoint for target, created if unknown (not added to the rotation).
  std::shared_ptr<Endpoint> ForTarget(const std::string& target);

  std::vector<std::string> Targets() const;
  // The leader's target, or "" if unknown.
  std::string LeaderTarget() const;

 private:
  std::shared_ptr<Endpoint> MakeEndpoint(const std::string& target, bool seed) const;

  const ChannelFactory factory_;
  const std::chrono::milliseconds refresh_interval_;
  const bool discover_;

  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Endpoint>> endpoints_;  // Seeds first.
  size_t current_ = 0;
  std::shared_ptr<Endpoint> leader_;  // Null when unknown or not among the endpoints.
  uint64_t leader_id_ = 0;            // 0: unknown.
  uint64_t leader_term_ = 0;          // The raft term leader_id_ was learned in.
  bool refreshing_ = false;
  std::chrono::steady_clock::time_point last_refresh_{};
};

}  // namespace strata::client::internal

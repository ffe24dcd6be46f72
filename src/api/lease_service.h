// The etcd Lease gRPC service (etcdserverpb.Lease).
//
// Grant and Revoke go through raft (Revoke deletes the attached keys in one
// revision). KeepAlive and TimeToLive are answered by the leader's lessor
// (forwarded by followers). Leases lists the replicated lease table.
//
// As in etcd: a TTL above kMaxLeaseTtlSeconds is refused ("too large lease
// TTL"); a TTL below the minimum (1.5 election timeouts, rounded up to
// whole seconds) is raised to it; a generated id is positive and unique
// per member and time; a keep-alive for an unknown or expired lease answers
// TTL 0 and TimeToLive answers TTL -1.
//
// Thread-safety: gRPC's callback API; the service is shared by all calls.
#pragma once

#include <atomic>
#include <functional>

#include "api/auth_tokens.h"
#include "api/kv_frontend.h"
#include "api/lessor.h"
#include "api/metrics.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"

namespace strata::api {

struct LeaseServiceDeps {
  node::Node* node = nullptr;
  raft::RangeId range;
  Lessor* lessor = nullptr;
  const kv::LeaseTable* leases = nullptr;
  uint64_t member_id = 0;
  // Smallest TTL granted, in seconds.
  int64_t min_ttl_seconds = 1;
  // Fills cluster_id, member_id and raft_term; and the current revision.
  std::function<void(etcdserverpb::ResponseHeader*)> fill_header;
  std::function<int64_t()> current_revision;
  // The write quota (NOSPACE refuses grants, as etcd does).
  std::function<Status()> check_quota;
  // Resolves callers (null: no auth) and checks a request for one (a
  // revoke needs write permission on every attached key).
  const Authenticator* auth = nullptr;
  std::function<Status(const Caller&, const requestpb::InternalRequest&)> permitted;
};

class LeaseService final : public etcdserverpb::Lease::CallbackService {
 public:
  explicit LeaseService(LeaseServiceDeps deps);

  grpc::ServerUnaryReactor* LeaseGrant(grpc::CallbackServerContext* context,
                                       const etcdserverpb::LeaseGrantRequest* request,
                                       etcdserverpb::LeaseGrantResponse* response) override;
  grpc::ServerUnaryReactor* LeaseRevoke(grpc::CallbackServerContext* context,
                                        const etcdserverpb::LeaseRevokeRequest* request,
                                        etcdserverpb::LeaseRevokeResponse* response) override;
  grpc::ServerBidiReactor<etcdserverpb::LeaseKeepAliveRequest,
                          etcdserverpb::LeaseKeepAliveResponse>*
  LeaseKeepAlive(grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* LeaseTimeToLive(
      grpc::CallbackServerContext* context, const etcdserverpb::LeaseTimeToLiveRequest* request,
      etcdserverpb::LeaseTimeToLiveResponse* response) override;
  grpc::ServerUnaryReactor* LeaseLeases(grpc::CallbackServerContext* context,
                                        const etcdserverpb::LeaseLeasesRequest* request,
                                        etcdserverpb::LeaseLeasesResponse* response) override;

  // Grants a lease with a generated id for the server itself (the session
  // lease of a Lock or Campaign that names none) and answers its id. The
  // space quota applies, as for LeaseGrant.
  void GrantSessionLease(int64_t ttl_seconds, Done<int64_t> done);

  // etcd's minimum TTL for these raft timings: ceil(1.5 election timeouts).
  static int64_t MinTtlSeconds(std::chrono::milliseconds election_timeout);

 private:
  class KeepAliveReactor;
  // A new positive lease id: member id bits, milliseconds, a counter.
  int64_t NextId();
  void Grant(Caller caller, etcdserverpb::LeaseGrantRequest request, int attempts_left,
             Done<etcdserverpb::LeaseGrantResponse> done);
  // The caller, checked for request; an error to answer with otherwise.
  Result<Caller> Admit(grpc::CallbackServerContext* context,
                       const requestpb::InternalRequest& request) const;
  void FillHeader(etcdserverpb::ResponseHeader* header) const;

  const LeaseServiceDeps deps_;
  std::atomic<uint64_t> id_suffix_;
};

}  // namespace strata::api

// The etcd v3election service (v3electionpb.Election), with etcd 3.4/3.5's
// semantics (clientv3/concurrency Election), over the ownership wait of
// lock_service.h: a candidate for NAME is the key NAME/<lease hex> holding
// its proposal; the leader is the key under NAME/ with the smallest create
// revision; LeaderKey.rev is that create revision and guards every later
// Proclaim and Resign.
//
// Errors are answered as etcd answers them (lock_service.h): code UNKNOWN,
// etcd's message ("election: not leader", "election: no leader",
// "\"leader\" field must be provided", or the KV error).
//
// Thread-safety: gRPC's callback API; the service is shared by all calls.
#pragma once

#include "api/lock_service.h"
#include "etcd/v3electionpb/v3election.grpc.pb.h"

namespace strata::api {

class ElectionService final : public v3electionpb::Election::CallbackService {
 public:
  explicit ElectionService(ConcurrencyDeps deps) : deps_(std::move(deps)) {}

  // Waits until the lease's candidate key (created with the value, or the
  // existing one, re-proclaimed if its value differs) leads the election.
  // A cancelled campaign resigns.
  grpc::ServerUnaryReactor* Campaign(grpc::CallbackServerContext* context,
                                     const v3electionpb::CampaignRequest* request,
                                     v3electionpb::CampaignResponse* response) override;
  // Replaces the leader's value if leader.key still has create revision
  // leader.rev (keeping its lease); "election: not leader" otherwise.
  grpc::ServerUnaryReactor* Proclaim(grpc::CallbackServerContext* context,
                                     const v3electionpb::ProclaimRequest* request,
                                     v3electionpb::ProclaimResponse* response) override;
  // The current leader's key-value; "election: no leader" if there is none.
  grpc::ServerUnaryReactor* Leader(grpc::CallbackServerContext* context,
                                   const v3electionpb::LeaderRequest* request,
                                   v3electionpb::LeaderResponse* response) override;
  // Streams the leader's key-value, then each new value and each new
  // leader, until the client cancels (or a read fails: the stream then
  // ends with that error).
  grpc::ServerWriteReactor<v3electionpb::LeaderResponse>* Observe(
      grpc::CallbackServerContext* context, const v3electionpb::LeaderRequest* request) override;
  // Deletes leader.key if its create revision is still leader.rev; not an
  // error otherwise.
  grpc::ServerUnaryReactor* Resign(grpc::CallbackServerContext* context,
                                   const v3electionpb::ResignRequest* request,
                                   v3electionpb::ResignResponse* response) override;

 private:
  class CampaignReactor;
  class Observer;
  class ObserveReactor;
  const ConcurrencyDeps deps_;
};

}  // namespace strata::api

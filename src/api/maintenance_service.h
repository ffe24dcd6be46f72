// The etcd Maintenance gRPC service: Status, HashKV, Defragment, MoveLeader,
// Snapshot, and the alarm list.
#pragma once

#include "api/auth_tokens.h"

#include <string>

#include "api/etcd_kv.h"
#include "api/etcd_state_machine.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "kv/mvcc_store.h"
#include "node/node.h"

namespace strata::api {

struct MaintenanceDeps {
  node::Node* node = nullptr;
  raft::RangeId range{1};
  storage::Engine* engine = nullptr;
  kv::MvccStore* store = nullptr;
  EtcdStateMachine* state_machine = nullptr;  // Snapshot export.
  EtcdKv* kv = nullptr;                       // Headers, quota state.
  Executor* executor = nullptr;               // Slow work off gRPC threads.
  uint64_t member_id = 0;
  // The etcd version Status reports (the API version Strata speaks).
  std::string version;
  // The replicated alarms (not owned; null: alarms are not kept).
  const kv::AlarmStore* alarms = nullptr;
  // Admin calls need the root role once auth is on (null: no auth).
  const Authenticator* auth = nullptr;
  // How long MoveLeader waits for the transfer to finish.
  std::chrono::milliseconds move_leader_timeout{5000};
};

class MaintenanceService final : public etcdserverpb::Maintenance::CallbackService {
 public:
  explicit MaintenanceService(MaintenanceDeps deps) : deps_(std::move(deps)) {}

  grpc::ServerUnaryReactor* Alarm(grpc::CallbackServerContext* context,
                                  const etcdserverpb::AlarmRequest* request,
                                  etcdserverpb::AlarmResponse* response) override;
  grpc::ServerUnaryReactor* Status(grpc::CallbackServerContext* context,
                                   const etcdserverpb::StatusRequest* request,
                                   etcdserverpb::StatusResponse* response) override;
  grpc::ServerUnaryReactor* Defragment(grpc::CallbackServerContext* context,
                                       const etcdserverpb::DefragmentRequest* request,
                                       etcdserverpb::DefragmentResponse* response) override;
  grpc::ServerUnaryReactor* HashKV(grpc::CallbackServerContext* context,
                                   const etcdserverpb::HashKVRequest* request,
                                   etcdserverpb::HashKVResponse* response) override;
  grpc::ServerUnaryReactor* MoveLeader(grpc::CallbackServerContext* context,
                                       const etcdserverpb::MoveLeaderRequest* request,
                                       etcdserverpb::MoveLeaderResponse* response) override;
  grpc::ServerWriteReactor<etcdserverpb::SnapshotResponse>* Snapshot(
      grpc::CallbackServerContext* context, const etcdserverpb::SnapshotRequest* request) override;

 private:
  // Finishes the call with etcd's error unless its caller may run admin calls.
  bool Admitted(grpc::CallbackServerContext* context, grpc::ServerUnaryReactor* reactor) const;

  MaintenanceDeps deps_;
};

}  // namespace strata::api

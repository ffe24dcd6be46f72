// EtcdKv: the etcd KV operations of one Strata member, over the node (raft)
// and the kv applier. Writes are proposed through raft and answered once
// applied on this member; linearizable reads wait for a ReadIndex round
// (shared by every read queued meanwhile) and then read the local store;
// serializable reads read the local store at once.
//
// Thread-safety: safe for concurrent use.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

#include "api/compactor.h"
#include "api/executor.h"
#include "api/kv_frontend.h"
#include "api/members.h"
#include "kv/alarm_store.h"
#include "kv/applier.h"
#include "kv/auth_store.h"
#include "node/node.h"
#include "storage/engine.h"

namespace strata::api {

// Who answers: stamped on every response header.
struct ServerIdentity {
  uint64_t member_id = 0;
  // The cluster id to report while the member registry does not know it yet
  // (a joining member before its first snapshot).
  uint64_t provisional_cluster_id = 0;
};

struct KvLimits {
  // Largest request accepted (etcd's --max-request-bytes). Default: 1.5 MiB.
  uint64_t max_request_bytes = 1572864;
  // Most operations per txn level (etcd's --max-txn-ops). Default: 128.
  int max_txn_ops = 128;
  // Writes are refused with NOSPACE once the engine is larger than this
  // (etcd's --quota-backend-bytes; 0: no quota). Default: 2 GiB.
  uint64_t quota_backend_bytes = 2ULL << 30;
  // Writes are refused with NOSPACE once the file system holding data_dir
  // has less than this free, before the disk itself fills (0 or an empty
  // data_dir: no check). Default: 0.
  uint64_t disk_reserve_bytes = 0;
  std::string data_dir;
};

class EtcdKv final : public KvFrontend {
 public:
  // None owned; all must outlive this object.
  // compactor may be null (then history is dropped while applying).
  EtcdKv(node::Node* node, raft::RangeId range, kv::Applier* applier, storage::Engine* engine,
         Executor* read_executor, Compactor* compactor, const MemberRegistry* members,
         ServerIdentity identity, KvLimits limits);

  using KvFrontend::Compact;
  using KvFrontend::DeleteRange;
  using KvFrontend::Put;
  using KvFrontend::Range;
  using KvFrontend::Txn;
  void Range(const Caller& caller, const etcdserverpb::RangeRequest& request,
             Done<etcdserverpb::RangeResponse> done) override;
  void Put(const Caller& caller, const etcdserverpb::PutRequest& request,
           Done<etcdserverpb::PutResponse> done) override;
  void DeleteRange(const Caller& caller, const etcdserverpb::DeleteRangeRequest& request,
                   Done<etcdserverpb::DeleteRangeResponse> done) override;
  void Txn(const Caller& caller, const etcdserverpb::TxnRequest& request,
           Done<etcdserverpb::TxnResponse> done) override;
  void Compact(const Caller& caller, const etcdserverpb::CompactionRequest& request,
               Done<etcdserverpb::CompactionResponse> done) override;

  // Requests are checked against auth (not owned; null: no auth). The lease
  // table resolves the keys a LeaseRevoke deletes. REQUIRES: before serving.
  void set_auth(const kv::AuthStore* auth) { auth_ = auth; }

  // The permission check the request needs for caller (see
  // kv::CheckRequestPermitted); OK for internal callers or without auth.
  Status CheckPermitted(const Caller& caller, const requestpb::InternalRequest& request) const;
  // Stamps who asks into the request header, for the check at apply time.
  static void StampCaller(const Caller& caller, requestpb::InternalRequest* request);

  // Fills cluster_id, member_id and raft_term (revision is the caller's).
  void FillHeader(etcdserverpb::ResponseHeader* header) const;
  // True while writes are refused for lack of space: a NOSPACE alarm is
  // raised (by any member), or without alarms, this member is over quota.
  bool no_space() const;
  // etcd's NOSPACE error while a NOSPACE alarm is raised or this member's
  // engine is larger than the quota or its disk is short of the reserve
  // (etcd checks Put, Txn and LeaseGrant), OK otherwise. Out of space, it
  // raises the alarm through raft.
  Status CheckQuota();
  // Measures now (engine size against the quota, free disk against the
  // reserve) and raises the NOSPACE alarm through raft if either is out of
  // bounds. Every member calls it periodically (a follower's disk fills from
  // writes other members took), again after the returned delay: 500 ms, or
  // less when writes at 1 GiB/s would reach a bound sooner. Safe from any thread.
  std::chrono::milliseconds CheckSpace();
  // Alarms decide no_space (not owned; null: only the local size counts).
  void set_alarms(const kv::AlarmStore* alarms) { alarms_ = alarms; }

 private:
  // Proposes request and answers with the response of type T it applies to.
  template <typename T>
  void Propose(requestpb::InternalRequest request, Done<T> done);
  // Answers done with read()'s response (header filled) after a ReadIndex
  // round, or at once when serializable.
  template <typename T>
  void Read(bool serializable, std::function<Result<T>()> read, Done<T> done);
  Status CheckRequestSize(const google::protobuf::Message& request) const;

  node::Node* const node_;
  const raft::RangeId range_;
  kv::Applier* const applier_;
  storage::Engine* const engine_;
  Executor* const read_executor_;
  Compactor* const compactor_;
  const MemberRegistry* const members_;
  const ServerIdentity identity_;
  const KvLimits limits_;

  const kv::AuthStore* auth_ = nullptr;
  const kv::AlarmStore* alarms_ = nullptr;
  // Measures the engine size and the free disk space: true if out of bounds;
  // otherwise sets *headroom (if given) to the bytes left before a bound.
  bool OutOfSpace(uint64_t* headroom = nullptr) const;
  void RaiseNoSpace();

  std::atomic<bool> raising_alarm_{false};
  std::atomic<bool> no_space_{false};
  std::mutex quota_mu_;
  std::chrono::steady_clock::time_point quota_checked_;
};

}  // namespace strata::api

// The etcd v3lock service (v3lockpb.Lock), and the ownership wait it shares
// with the election service (election_service.h).
//
// etcd serves both from its client library (clientv3/concurrency Mutex and
// Election) over its own KV, Lease and Watch; Strata does the same in
// process, over KvFrontend and kv::WatchHub. Ownership of NAME with lease L
// is the key NAME/<L in lowercase hex>, created with lease L; the owner is
// the key under NAME/ with the smallest create revision, and a contender
// waits until every key created before its own is deleted. The create
// revision of the owner key is a fencing token (docs/locks.md).
//
// Errors are answered as etcd 3.4/3.5 answers them: etcd's handlers return
// client-library errors that carry no gRPC status, so the wire code is
// UNKNOWN and the message is etcd's ("etcdserver: requested lease not
// found", "election: not leader"...); clients match on the message.
// The exception is the "hasleader" check that etcd's interceptor makes.
//
// Thread-safety: gRPC's callback API; services are shared by all calls.
#pragma once

#include <grpcpp/grpcpp.h>

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "api/caller.h"
#include "api/kv_frontend.h"
#include "etcd/v3lockpb/v3lock.grpc.pb.h"
#include "kv/watch_hub.h"

namespace strata::api {

// What the lock and election services run on. Shared by both.
struct ConcurrencyDeps {
  KvFrontend* kv = nullptr;     // Not owned; outlives the services.
  kv::WatchHub* hub = nullptr;  // Not owned; outlives every call.
  // Fills cluster_id, member_id and raft_term (for watch-driven answers).
  std::function<void(etcdserverpb::ResponseHeader*)> fill_header;
  // True while this member knows a leader (etcd's "hasleader" check).
  // May be empty: then the check is skipped.
  std::function<bool()> has_leader;
  // Grants a lease of the given TTL in seconds and answers its id. etcd
  // grants a 60 s lease for a request with lease 0; when this is empty,
  // such requests fail with "etcdserver: requested lease not found".
  std::function<void(int64_t ttl_seconds, Done<int64_t> done)> grant_lease;
  // Who makes a call (auth_tokens.h), so that the service's reads and writes
  // are checked against the caller's permissions. Empty: calls act as an
  // unauthenticated caller (right when auth is not served).
  std::function<Result<Caller>(const grpc::ServerContextBase&)> authenticate;
};

// TTL etcd's concurrency sessions grant when the caller brings no lease.
constexpr int64_t kDefaultSessionTtlSeconds = 60;

// etcd's messages for the concurrency errors (clientv3/concurrency).
inline constexpr std::string_view kErrSessionExpired = "mutex: session is expired";
inline constexpr std::string_view kErrElectionNotLeader = "election: not leader";
inline constexpr std::string_view kErrElectionNoLeader = "election: no leader";
inline constexpr std::string_view kErrMissingLeaderKey = "\"leader\" field must be provided";

// The owner key of name for lease: name + "/" + lease in lowercase hex
// (Go's %x, so a negative id reads "-1a").
std::string OwnerKey(std::string_view name, int64_t lease);
// The end of the range holding every key that starts with prefix (etcd's
// GetPrefixRangeEnd): "\0" (to the end of the keyspace) if there is none.
std::string PrefixRangeEnd(std::string_view prefix);
// The key under prefix with the smallest create revision (etcd's
// WithFirstCreate).
etcdserverpb::RangeRequest FirstCreated(const std::string& prefix);
// The gRPC status etcd's lock and election handlers answer s with: UNKNOWN
// and etcd's message (after api::ToEtcdStatus). OK for OK.
grpc::Status ConcurrencyGrpcStatus(const Status& s);
// etcd's "no leader" refusal when the client asked for a leader (metadata
// hasleader=true) and this member knows none; OK otherwise.
// Admits a call: refuses it when it requires a leader and none is known,
// or when its token does not authenticate; otherwise sets *caller.
grpc::Status Admit(const grpc::CallbackServerContext* context, const ConcurrencyDeps& deps,
                   Caller* caller);

// Runs posted tasks one at a time in posting order, on the thread that
// posts while none runs. The steps of one operation thus never overlap,
// and a step may call back into KvFrontend or a WatchStream (which may
// answer inline) without deadlocking.
// Thread-safety: Post is safe from any thread, tasks included.
// REQUIRES: the serializer outlives every Post call (an owner that a task
// may destroy holds a reference across Post).
class Serializer {
 public:
  void Post(std::function<void()> task);

 private:
  std::mutex mu_;
  std::deque<std::function<void()>> tasks_;  // Guarded by mu_.
  bool running_ = false;                     // Guarded by mu_.
};

// One contender for ownership of a name: etcd's Mutex.Lock (kind kMutex)
// or Election.Campaign (kind kElection).
struct ContendOptions {
  enum class Kind { kMutex, kElection };
  Kind kind = Kind::kMutex;
  std::string name;
  // 0: grant a kDefaultSessionTtlSeconds lease (ConcurrencyDeps::grant_lease).
  int64_t lease = 0;
  // The owner key's value (elections; a mutex writes "").
  std::string value;
  // Whose permissions the key's creation and reads are checked against.
  Caller caller;
};

// A won ownership.
struct Ownership {
  std::string key;
  int64_t create_revision = 0;  // The fencing token.
  int64_t lease = 0;
  // etcd's header: for a mutex, of the read that saw the key own the name;
  // for an election, of the campaign's create transaction.
  etcdserverpb::ResponseHeader header;
};

class Contender : public std::enable_shared_from_this<Contender> {
 public:
  // Creates the owner key (or reuses the lease's existing one, updating an
  // election's value) and waits for ownership. done runs exactly once:
  // with the Ownership, with an etcd error (the create failed, e.g. an
  // unknown lease), with kErrSessionExpired (mutex) / kErrElectionNotLeader
  // (election) when the key vanished while waiting (its lease expired or
  // was revoked), or with kCancelled after Cancel().
  // REQUIRES: deps outlives the contender's operations.
  static std::shared_ptr<Contender> Start(const ConcurrencyDeps* deps, ContendOptions options,
                                          Done<Ownership> done);
  // Gives up: done gets kCancelled at once if it has not run, and the key is
  // removed as etcd removes it (a mutex deletes it; an election resigns).
  // No effect once done has run.
  void Cancel();

  // Use Start(); public only for std::make_shared.
  Contender(const ConcurrencyDeps* deps, ContendOptions options, Done<Ownership> done);

 private:
  void Begin();
  void Acquire();
  void OnAcquired(Result<etcdserverpb::TxnResponse> r);
  void OnProclaimed(Result<etcdserverpb::TxnResponse> r);
  // Reads the own key and the newest key created before it.
  void Check();
  void OnChecked(Result<etcdserverpb::TxnResponse> r);
  void WatchDeletes(const std::string& predecessor, int64_t from_revision);
  void OnWatchReady();
  void OnCancel();
  // The wait failed: clean up as etcd does for this kind and answer.
  void FailWaiting(Status s);
  void RemoveKey(bool conditional);
  void Answer(Result<Ownership> r);
  // Posts a member function call of this contender onto its serializer.
  template <typename F>
  void Step(F f);

  const ConcurrencyDeps* const deps_;
  const ContendOptions options_;
  Serializer serial_;
  // Below: touched only by serialized steps.
  Done<Ownership> done_;  // Empty once answered.
  bool cancelled_ = false;
  bool in_flight_ = false;  // A KvFrontend call is pending.
  int64_t lease_ = 0;
  std::string key_;
  int64_t create_revision_ = 0;
  etcdserverpb::ResponseHeader create_header_;
  std::unique_ptr<kv::WatchStream> stream_;
};

class LockService final : public v3lockpb::Lock::CallbackService {
 public:
  explicit LockService(ConcurrencyDeps deps) : deps_(std::move(deps)) {}

  // Waits until the caller owns name with its lease; answers the owner key.
  // A cancelled call leaves no key behind.
  grpc::ServerUnaryReactor* Lock(grpc::CallbackServerContext* context,
                                 const v3lockpb::LockRequest* request,
                                 v3lockpb::LockResponse* response) override;
  // Deletes the key (whatever it is; no error if it is absent).
  grpc::ServerUnaryReactor* Unlock(grpc::CallbackServerContext* context,
                                   const v3lockpb::UnlockRequest* request,
                                   v3lockpb::UnlockResponse* response) override;

 private:
  class LockReactor;
  const ConcurrencyDeps deps_;
};

}  // namespace strata::api

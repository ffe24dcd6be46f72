// KvFrontend: the etcd KV operations as the API layer serves them, callable
// from any front end (the gRPC KV service, the HTTP/JSON gateway).
//
// Each call validates the request, routes it (a write is proposed through
// raft; a linearizable read waits for a ReadIndex; a serializable read is
// served locally), and calls `done` exactly once with the response or an
// etcd error. `done` may run on an internal thread: keep it short.
//
// Errors are Status values carrying etcd's messages; EtcdGrpcStatus() turns
// them into the gRPC status etcd would send.
//
// Thread-safety: all methods are safe to call concurrently.
#pragma once

#include <functional>

#include "api/caller.h"
#include "base/status.h"
#include "etcd/etcdserverpb/rpc.pb.h"

namespace strata::api {

template <typename T>
using Done = std::function<void(Result<T>)>;

class KvFrontend {
 public:
  virtual ~KvFrontend() = default;

  // Each call is checked against caller's permissions when auth is enabled.
  virtual void Range(const Caller& caller, const etcdserverpb::RangeRequest& request,
                     Done<etcdserverpb::RangeResponse> done) = 0;
  virtual void Put(const Caller& caller, const etcdserverpb::PutRequest& request,
                   Done<etcdserverpb::PutResponse> done) = 0;
  virtual void DeleteRange(const Caller& caller, const etcdserverpb::DeleteRangeRequest& request,
                           Done<etcdserverpb::DeleteRangeResponse> done) = 0;
  virtual void Txn(const Caller& caller, const etcdserverpb::TxnRequest& request,
                   Done<etcdserverpb::TxnResponse> done) = 0;
  virtual void Compact(const Caller& caller, const etcdserverpb::CompactionRequest& request,
                       Done<etcdserverpb::CompactionResponse> done) = 0;

  // The same as the server itself (no permission checks), for in-process
  // services such as locks and elections.
  void Range(const etcdserverpb::RangeRequest& r, Done<etcdserverpb::RangeResponse> d) {
    Range(Caller::Internal(), r, std::move(d));
  }
  void Put(const etcdserverpb::PutRequest& r, Done<etcdserverpb::PutResponse> d) {
    Put(Caller::Internal(), r, std::move(d));
  }
  void DeleteRange(const etcdserverpb::DeleteRangeRequest& r,
                   Done<etcdserverpb::DeleteRangeResponse> d) {
    DeleteRange(Caller::Internal(), r, std::move(d));
  }
  void Txn(const etcdserverpb::TxnRequest& r, Done<etcdserverpb::TxnResponse> d) {
    Txn(Caller::Internal(), r, std::move(d));
  }
  void Compact(const etcdserverpb::CompactionRequest& r, Done<etcdserverpb::CompactionResponse> d) {
    Compact(Caller::Internal(), r, std::move(d));
  }
};

}  // namespace strata::api

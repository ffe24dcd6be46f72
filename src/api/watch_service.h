// The etcd Watch gRPC service (etcdserverpb.Watch): one bidirectional
// stream per client, carrying any number of watchers, over kv::WatchHub.
//
// Requests on a stream are handled in order: create (with etcd's key and
// range_end conventions, filters, prev_kv, progress_notify, fragment and a
// client-chosen watch_id), cancel, and progress. Responses leave in the
// order the hub queued them, one write at a time; a watcher that asked for
// fragments has responses larger than max_response_bytes split into
// several, all but the last marked fragment (as etcd does).
//
// A stream whose client sent the "hasleader" metadata (clientv3's
// WithRequireLeader) is refused with etcd's "no leader" error while this
// member knows no leader, and, as etcd's monitorLeader does, ended with
// that error when a check (every leader_check_interval) finds no leader,
// so that the client moves to a member that has one.
//
// Thread-safety: gRPC's callback API; the service is shared by all streams.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "api/auth_tokens.h"
#include "api/metrics.h"
#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "kv/watch_hub.h"

namespace strata::api {

struct WatchServiceDeps {
  kv::WatchHub* hub = nullptr;  // Not owned; outlives the service.
  // Fills cluster_id, member_id and raft_term of a response header.
  std::function<void(etcdserverpb::ResponseHeader*)> fill_header;
  // True while this member knows a leader.
  std::function<bool()> has_leader;
  // How often streams that require a leader check for one (etcd: the
  // election timeout). Default: 1 s; 0: only when the stream opens.
  std::chrono::milliseconds leader_check_interval{1000};
  // Fragmenting watchers get responses of at most about this size
  // (etcd: --max-request-bytes). Default: 1.5 MiB.
  size_t max_response_bytes = 1572864;
  Metrics* metrics = nullptr;  // May be null.
  // Watchers need read permission on their keys (null: no auth).
  const Authenticator* auth = nullptr;
};

class WatchService final : public etcdserverpb::Watch::CallbackService {
 public:
  explicit WatchService(WatchServiceDeps deps);
  // Stops the leader checks. REQUIRES: the gRPC server stopped first.
  ~WatchService() override;

  grpc::ServerBidiReactor<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>* Watch(
      grpc::CallbackServerContext* context) override;

 private:
  class Reactor;
  struct Waker;
  // Ends the leader-bound streams whenever a check finds no leader.
  void MonitorLeader();
  void RequireLeader(std::weak_ptr<Waker> waker);

  WatchServiceDeps deps_;
  std::mutex monitor_mu_;
  std::condition_variable monitor_wake_;
  bool stopping_ = false;                           // Guarded by monitor_mu_.
  std::vector<std::weak_ptr<Waker>> leader_bound_;  // Guarded by monitor_mu_.
  std::thread monitor_;
};

}  // namespace strata::api

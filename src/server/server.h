// StrataServer: one strata-server process. Opens the node's RocksDB,
// bootstraps or recovers the range, and serves the etcd API (gRPC) on the
// client URLs, the raft transport on the peer URLs, and /health, /metrics
// and the JSON gateway on the metrics URLs.
//
// Thread-safety: Start, Wait and Stop from one thread; Stop may also be
// called from a signal-watching thread.
#pragma once

#include <memory>

#include "base/status.h"
#include "server/config.h"

namespace strata::server {

class StrataServer {
 public:
  explicit StrataServer(ServerConfig config);
  ~StrataServer();
  StrataServer(const StrataServer&) = delete;
  StrataServer& operator=(const StrataServer&) = delete;

  // Opens storage and starts every listener. Errors: storage errors, a
  // port that cannot be bound (kUnavailable), inconsistent data
  // (kFailedPrecondition, e.g. a data dir of another member).
  Status Start();
  // Stops serving, in order: listeners, raft loop, storage.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::server

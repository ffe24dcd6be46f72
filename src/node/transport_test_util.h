// Test helpers for the peer transport: a recording MessageSink and a gRPC
// server hosting one RaftTransportService on 127.0.0.1.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "node/transport_service.h"
#include "node/transport_sink.h"

namespace strata::node::testing {

// Records every call. await() waits on a condition with a generous deadline.
class RecordingSink final : public MessageSink {
 public:
  struct SnapshotReport {
    raft::RangeId range;
    raft::NodeId to;
    bool success;
  };

  void deliver(std::vector<raft::Message> messages) override {
    std::lock_guard lock(mu_);
    for (auto& m : messages) delivered_.push_back(std::move(m));
    cv_.notify_all();
  }
  void deliver_forwarded(raft::RangeId range, std::string proposal) override {
    std::lock_guard lock(mu_);
    forwards_.emplace_back(range, std::move(proposal));
    cv_.notify_all();
  }
  void report_snapshot(raft::RangeId range, raft::NodeId to, bool success) override {
    std::lock_guard lock(mu_);
    snapshots_.push_back({range, to, success});
    cv_.notify_all();
  }
  void report_unreachable(raft::RangeId range, raft::NodeId to) override {
    std::lock_guard lock(mu_);
    unreachable_.emplace_back(range, to);
    cv_.notify_all();
  }

  // Waits until pred(*this) holds (called under the sink's lock).
  template <typename Pred>
  bool await(Pred pred, std::chrono::seconds timeout = std::chrono::seconds(60)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return pred(*this); });
  }

  // Accessors: call under await()'s predicate, or copy with a lock via the
  // snapshot functions below.
  const std::vector<raft::Message>& delivered_locked() const { return delivered_; }
  const std::vector<std::pair<raft::RangeId, std::string>>& forwards_locked() const {
    return forwards_;
  }
  const std::vector<SnapshotReport>& snapshots_locked() const { return snapshots_; }
  const std::vector<std::pair<raft::RangeId, raft::NodeId>>& unreachable_locked() const {
    return unreachable_;
  }

  std::vector<raft::Message> delivered() const {
    std::lock_guard lock(mu_);
    return delivered_;
  }
  std::vector<std::pair<raft::RangeId, std::string>> forwards() const {
    std::lock_guard lock(mu_);
    return forwards_;
  }
  std::vector<SnapshotReport> snapshots() const {
    std::lock_guard lock(mu_);
    return snapshots_;
  }
  size_t unreachable_count() const {
    std::lock_guard lock(mu_);
    return unreachable_.size();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<raft::Message> delivered_;
  std::vector<std::pair<raft::RangeId, std::string>> forwards_;
  std::vector<SnapshotReport> snapshots_;
  std::vector<std::pair<raft::RangeId, raft::NodeId>> unreachable_;
};

// A gRPC server on 127.0.0.1 serving one RaftTransportService. Port 0 picks
// a free port; a given port re-binds (a restarted peer).
class PeerServer {
 public:
  PeerServer(raft::NodeId self, MessageSink* sink, int port = 0,
             RaftTransportServiceOptions options = {})
      : service_(std::make_unique<RaftTransportService>(self, sink, options)) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(),
                             &port_);
    service_->Register(&builder);
    server_ = builder.BuildAndStart();
  }
  ~PeerServer() { shutdown(); }

  bool ok() const { return server_ != nullptr && port_ > 0; }
  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  RaftTransportService& service() { return *service_; }

  void shutdown() {
    if (server_ == nullptr) return;
    service_->stop_delivery();
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    server_->Wait();
    server_.reset();
  }

 private:
  std::unique_ptr<RaftTransportService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace strata::node::testing

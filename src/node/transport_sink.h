// MessageSink: where the peer transport hands what it receives and what it
// learns about peers, and where it finds the snapshot images it streams.
// Node::deliver, deliver_forwarded, report_snapshot, report_unreachable,
// open_snapshot and receive_snapshot have exactly this shape; SinkAdapter
// wraps any object that has them (a Node, a test double; the last two are
// optional) without that object deriving from MessageSink.
//
// Thread-safety: implementations must accept calls from any thread,
// concurrently; calls must return quickly (queue and return).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "node/snapshot_stream.h"
#include "raft/types.h"

namespace strata::node {

class MessageSink {
 public:
  virtual ~MessageSink() = default;
  // Raft messages received from peers, each addressed to this node.
  virtual void deliver(std::vector<raft::Message> messages) = 0;
  // A client proposal a follower forwarded to this node for `range`.
  virtual void deliver_forwarded(raft::RangeId range, std::string proposal) = 0;
  // The outcome of sending a MSG_SNAPSHOT to `to`: success means the peer
  // received the whole image intact and handed it to its replica.
  virtual void report_snapshot(raft::RangeId range, raft::NodeId to, bool success) = 0;
  // A message of `range` to `to` was dropped or its stream failed.
  virtual void report_unreachable(raft::RangeId range, raft::NodeId to) = 0;

  // The image of a kSnapshot message being sent, to stream chunk by chunk;
  // destroying the reader releases it. nullptr: the message carries its
  // image whole (Snapshot::data). Errors fail the transfer. Default: nullptr.
  virtual Result<std::unique_ptr<SnapshotReader>> open_snapshot(const raft::Message& /*m*/) {
    return std::unique_ptr<SnapshotReader>();
  }
  // A writer staging an image arriving for `range` at md; what it finishes
  // with becomes the delivered message's Snapshot::data. nullptr: the
  // transport assembles the image in memory. Errors refuse the transfer.
  // Default: nullptr.
  virtual Result<std::unique_ptr<SnapshotWriter>> receive_snapshot(
      raft::RangeId /*range*/, const raft::SnapshotMetadata& /*md*/) {
    return std::unique_ptr<SnapshotWriter>();
  }
};

// Forwards MessageSink calls to `target`, which must outlive the adapter.
template <typename T>
class SinkAdapter final : public MessageSink {
 public:
  explicit SinkAdapter(T* target) : target_(target) {}
  void deliver(std::vector<raft::Message> messages) override {
    target_->deliver(std::move(messages));
  }
  void deliver_forwarded(raft::RangeId range, std::string proposal) override {
    target_->deliver_forwarded(range, std::move(proposal));
  }
  void report_snapshot(raft::RangeId range, raft::NodeId to, bool success) override {
    target_->report_snapshot(range, to, success);
  }
  void report_unreachable(raft::RangeId range, raft::NodeId to) override {
    target_->report_unreachable(range, to);
  }
  Result<std::unique_ptr<SnapshotReader>> open_snapshot(const raft::Message& m) override {
    if constexpr (requires { target_->open_snapshot(m); }) {
      return target_->open_snapshot(m);
    } else {
      return MessageSink::open_snapshot(m);
    }
  }
  Result<std::unique_ptr<SnapshotWriter>> receive_snapshot(
      raft::RangeId range, const raft::SnapshotMetadata& md) override {
    if constexpr (requires { target_->receive_snapshot(range, md); }) {
      return target_->receive_snapshot(range, md);
    } else {
      return MessageSink::receive_snapshot(range, md);
    }
  }

 private:
  T* const target_;
};

}  // namespace strata::node

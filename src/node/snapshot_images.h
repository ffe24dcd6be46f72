// SnapshotImages: the images (StateMachine::capture_snapshot) of snapshots a
// leader's raft handed out, between Node::make_snapshot and the transport
// streaming them.
//
// Raft carries a small descriptor in raft::Snapshot::data instead of the
// image; the transport opens the descriptor's image (Node::open_snapshot)
// and streams it. An image is opened at most once and released when its
// reader is destroyed, i.e. when the transfer ends or fails. An image never
// opened (its message was dropped) is released by the first add() or open()
// after unopened_ttl, or by clear() (the transport also releases the images
// of messages it refuses, by opening and dropping them). At most
// max_held images are held at once, counting those being read; beyond that
// add() refuses with kUnavailable and raft retries on a later heartbeat.
//
// Descriptor: "strata-image-v1" | registry nonce (u64 LE) | image id (u64 LE).
// The nonce is random per registry, so a descriptor never names an image
// of another node, or of this node before a restart.
//
// Thread-safety: thread-safe. Readers it hands out may outlive it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "node/snapshot_stream.h"

namespace strata::node {

class SnapshotImages {
 public:
  using Clock = std::chrono::steady_clock;

  // REQUIRES: max_held >= 1.
  SnapshotImages(size_t max_held, std::chrono::milliseconds unopened_ttl);
  ~SnapshotImages();
  SnapshotImages(const SnapshotImages&) = delete;
  SnapshotImages& operator=(const SnapshotImages&) = delete;

  // Holds image and returns its descriptor. Releases expired images first.
  // Errors: kUnavailable when max_held images are held.
  Result<std::string> add(std::unique_ptr<SnapshotImage> image, Clock::time_point now);
  // Whether data has the shape of a descriptor (of any registry).
  static bool is_descriptor(std::string_view data);
  // A reader of the image `descriptor` names, which it takes over: the
  // image is released when the reader is destroyed. Errors: kNotFound if
  // the image was opened before, expired, released by clear(), or belongs
  // to another registry; the image's own errors (it is then released).
  Result<std::unique_ptr<SnapshotReader>> open(std::string_view descriptor, Clock::time_point now);
  // Releases images not opened within unopened_ttl of their add().
  void expire(Clock::time_point now);
  // Releases every image not being read. Open readers keep theirs.
  void clear();
  // Images held: waiting to be opened plus being read.
  size_t held() const;

 private:
  struct State;
  class Reader;
  const size_t max_held_;
  const std::chrono::milliseconds unopened_ttl_;
  const uint64_t nonce_;
  std::shared_ptr<State> state_;  // Shared with the readers.
};

}  // namespace strata::node

// Snapshot images as streams, between a StateMachine, the Node and the
// peer transport: the sender reads an image chunk by chunk from a
// consistent view (SnapshotImage, SnapshotReader), the receiver stages it
// chunk by chunk (SnapshotWriter), so neither holds a whole image in memory.
// String-backed versions serve state machines that send whole images.
//
// Thread-safety: SnapshotImage::Open is thread-safe; readers and writers
// are used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace strata::node {

// Produces one snapshot image, chunk by chunk.
class SnapshotReader {
 public:
  virtual ~SnapshotReader() = default;
  // Appends up to max_bytes (> 0) of the image to *out; returns false once
  // the image has ended (then nothing is appended). Errors: the state
  // machine's (e.g. engine errors); the reader is then unusable.
  virtual Result<bool> Read(size_t max_bytes, std::string* out) = 0;
  // An estimate of the image's size in bytes, 0 if unknown (for deadlines).
  virtual uint64_t size_hint() const { return 0; }
};

// A consistent image of a state machine as of one applied index, cheap to
// hold until it is read (e.g. a storage::ReadView). Holding it pins old data.
class SnapshotImage {
 public:
  virtual ~SnapshotImage() = default;
  // A reader of the whole image, from its first byte. Errors: the state
  // machine's.
  virtual Result<std::unique_ptr<SnapshotReader>> Open() const = 0;
};

// Receives one image chunk by chunk, checking and staging it (e.g. on disk).
// Destroying an unfinished writer drops everything it staged.
class SnapshotWriter {
 public:
  virtual ~SnapshotWriter() = default;
  // The next bytes of the image. Errors: kCorruption for bytes that cannot
  // belong to a valid image; kResourceExhausted past a size limit; I/O
  // errors. After an error the writer is unusable.
  virtual Status Write(std::string_view bytes) = 0;
  // The image is complete: checks it and returns what raft carries for it
  // (raft::Snapshot::data, which StateMachine::import_state gets). Errors:
  // as Write. REQUIRES: called once; no Write afterwards.
  virtual Result<std::string> Finish() = 0;
};

// Reads a string the caller keeps alive (an image carried whole).
class StringSnapshotReader final : public SnapshotReader {
 public:
  explicit StringSnapshotReader(std::string_view data) : data_(data) {}
  Result<bool> Read(size_t max_bytes, std::string* out) override {
    if (data_.empty()) return false;
    size_t n = std::min(max_bytes, data_.size());
    out->append(data_.substr(0, n));
    data_.remove_prefix(n);
    return true;
  }
  uint64_t size_hint() const override { return data_.size(); }

 private:
  std::string_view data_;
};

// Assembles an image in memory, up to bytes_max; Finish returns it whole.
class MemorySnapshotWriter final : public SnapshotWriter {
 public:
  explicit MemorySnapshotWriter(uint64_t bytes_max) : bytes_max_(bytes_max) {}
  Status Write(std::string_view bytes) override {
    if (data_.size() + bytes.size() > bytes_max_) {
      return Status::ResourceExhausted("snapshot exceeds the limit of " +
                                       std::to_string(bytes_max_) + " bytes");
    }
    data_.append(bytes);
    return Status::Ok();
  }
  Result<std::string> Finish() override { return std::move(data_); }

 private:
  const uint64_t bytes_max_;
  std::string data_;
};

}  // namespace strata::node

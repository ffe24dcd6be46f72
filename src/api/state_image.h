// The image of a Strata range's state machine: what raft snapshots stream
// to a follower and Maintenance.Snapshot streams to `etcdctl snapshot save`.
//
//   "strata-sm-v3"
//   header size (u64 LE) | header | CRC-32C of the header (u32 LE)
//     header = cluster id (u64 LE) | member count (u64 LE)
//              | per member: size (u64 LE) | etcdserverpb.Member
//   the kv state stream (kv/state_format.h), which ends with its own CRC-32C
//
// The header is small (the member list); the kv stream is read from one
// engine view chunk by chunk (ImageReader) and, on the receiving side,
// checked and staged in table files as it arrives (ImageStager), so that
// neither side holds the image in memory.
//
// Thread-safety: Image::Open is thread-safe; readers and stagers are used by
// one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/coding.h"
#include "base/status.h"
#include "etcd/etcdserverpb/rpc.pb.h"
#include "kv/crc32c.h"
#include "kv/state_transfer.h"
#include "node/snapshot_stream.h"
#include "storage/engine.h"

namespace strata::api {

inline constexpr std::string_view kImageMagic = "strata-sm-v3";
// A header larger than this is refused (it holds only the member list).
inline constexpr uint64_t kImageHeaderBytesMax = uint64_t{16} << 20;

struct ImageHeader {
  uint64_t cluster_id = 0;
  std::vector<etcdserverpb::Member> members;
};

// Magic, size, header and CRC: everything before the kv stream.
inline std::string EncodeImageHeader(const ImageHeader& h) {
  std::string body;
  PutFixed64(&body, h.cluster_id);
  PutFixed64(&body, h.members.size());
  for (const auto& m : h.members) {
    std::string bytes = m.SerializeAsString();
    PutFixed64(&body, bytes.size());
    body += bytes;
  }
  std::string out(kImageMagic);
  PutFixed64(&out, body.size());
  out += body;
  uint32_t crc = kv::Crc32c(body);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(crc >> (8 * i)));
  return out;
}

// Decodes the header at the front of data into *out. Returns the bytes it
// takes, or 0 when data holds only part of it. Errors: kCorruption.
inline Result<size_t> DecodeImageHeader(std::string_view data, ImageHeader* out) {
  auto corrupt = [](const std::string& what) {
    return Status::Corruption("state machine snapshot: " + what);
  };
  const size_t fixed = kImageMagic.size() + 8;
  if (!kImageMagic.starts_with(data.substr(0, kImageMagic.size()))) {
    return corrupt("bad magic (not a strata-sm-v3 image)");
  }
  if (data.size() < fixed) return size_t{0};
  uint64_t size = DecodeFixed64(data.substr(kImageMagic.size()));
  if (size > kImageHeaderBytesMax) return corrupt("header too large");
  if (data.size() < fixed + size + 4) return size_t{0};
  std::string_view body = data.substr(fixed, size);
  uint32_t crc = 0;
  for (int i = 0; i < 4; ++i) {
    crc |= uint32_t{static_cast<uint8_t>(data[fixed + size + i])} << (8 * i);
  }
  if (crc != kv::Crc32c(body)) return corrupt("header checksum mismatch");
  uint64_t count = 0;
  if (!GetFixed64(&body, &out->cluster_id) || !GetFixed64(&body, &count)) {
    return corrupt("truncated header");
  }
  out->members.clear();
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t n = 0;
    etcdserverpb::Member m;
    if (!GetFixed64(&body, &n) || body.size() < n ||
        !m.ParseFromArray(body.data(), static_cast<int>(n))) {
      return corrupt("malformed member");
    }
    body.remove_prefix(n);
    out->members.push_back(std::move(m));
  }
  if (!body.empty()) return corrupt("bytes after the members");
  return fixed + size + 4;
}

// Reads an image: the encoded header, then the kv stream of a view.
class ImageReader final : public node::SnapshotReader {
 public:
  ImageReader(std::string header, std::shared_ptr<const storage::ReadView> view, uint64_t size_hint)
      : header_(std::move(header)), kv_(std::move(view)), size_hint_(size_hint) {}

  Result<bool> Read(size_t max_bytes, std::string* out) override {
    if (offset_ < header_.size()) {
      size_t n = std::min(max_bytes, header_.size() - offset_);
      out->append(header_, offset_, n);
      offset_ += n;
      return true;
    }
    return kv_.Read(max_bytes, out);
  }
  uint64_t size_hint() const override { return size_hint_; }

 private:
  const std::string header_;
  size_t offset_ = 0;
  kv::StateReader kv_;
  const uint64_t size_hint_;
};

// A captured image: the header and the view its kv stream is read from.
class Image final : public node::SnapshotImage {
 public:
  // engine (for a size estimate) outlives the image.
  Image(const ImageHeader& header, std::shared_ptr<const storage::ReadView> view,
        const storage::Engine* engine)
      : header_(EncodeImageHeader(header)), view_(std::move(view)), engine_(engine) {}

  Result<std::unique_ptr<node::SnapshotReader>> Open() const override {
    // The whole engine (raft log included) over-estimates: fine for deadlines.
    auto size = engine_->ApproximateSize();
    return std::unique_ptr<node::SnapshotReader>(
        std::make_unique<ImageReader>(header_, view_, size.ok() ? *size : 0));
  }

 private:
  const std::string header_;
  const std::shared_ptr<const storage::ReadView> view_;
  const storage::Engine* const engine_;
};

// Receives an image: decodes the header, then checks and stages the kv
// stream in table files (kv::StateStager). Destroying it unfinished drops
// what it staged.
class ImageStager {
 public:
  explicit ImageStager(std::unique_ptr<kv::StateStager> kv) : kv_(std::move(kv)) {}

  // Errors: kCorruption; engine errors. After an error every call fails.
  Status Write(std::string_view bytes) {
    if (!error_.ok()) return error_;
    Status s = WriteImpl(bytes);
    if (!s.ok()) error_ = s;
    return s;
  }
  // The header and the staged kv state. Errors: as Write; kCorruption for
  // an image that ended early.
  Result<std::pair<ImageHeader, kv::StagedState>> Finish() {
    if (!error_.ok()) return error_;
    if (!have_header_) return Status::Corruption("state machine snapshot: truncated header");
    auto staged = kv_->Finish();
    STRATA_RETURN_IF_ERROR(staged.status());
    return std::make_pair(std::move(header_), std::move(*staged));
  }

 private:
  Status WriteImpl(std::string_view bytes) {
    if (have_header_) return kv_->Write(bytes);
    pending_.append(bytes);
    auto used = DecodeImageHeader(pending_, &header_);
    STRATA_RETURN_IF_ERROR(used.status());
    if (*used == 0) return Status::Ok();
    have_header_ = true;
    std::string rest = pending_.substr(*used);
    pending_.clear();
    pending_.shrink_to_fit();
    return kv_->Write(rest);
  }

  std::unique_ptr<kv::StateStager> kv_;
  std::string pending_;  // The header, until it is complete.
  bool have_header_ = false;
  ImageHeader header_;
  Status error_;
};

}  // namespace strata::api

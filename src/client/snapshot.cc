#include "client/snapshot.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace strata::client::internal {
namespace {

constexpr size_t kShaBytes = Sha256::kDigestBytes;

std::string Hex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

}  // namespace

void TrailerCheck::Add(std::string_view bytes) {
  pending_.append(bytes);
  if (pending_.size() > kShaBytes) {
    const size_t n = pending_.size() - kShaBytes;
    sha_.Update(std::string_view(pending_).substr(0, n));
    pending_.erase(0, n);
  }
}

bool TrailerCheck::Matches(std::string* hex) {
  if (pending_.size() < kShaBytes) return false;
  *hex = Hex(pending_);
  return sha_.Finish() == pending_;
}

Result<SnapshotInfo> SaveSnapshot(Core& core, const std::string& path, const CallOptions& options) {
  const std::string what = "save_snapshot to " + path;
  if (path.empty()) return Error(ErrorCode::kInvalidArgument, what + ": empty path");
  const std::string part = path + ".part";
  const auto timeout = options.timeout.count() > 0 ? options.timeout : std::chrono::minutes(10);
  SnapshotInfo info;
  bool damaged = false;
  std::string write_error;
  CallSpec spec{.what = what, .deadline = Clock::now() + timeout};
  Result<void> r = core.Call(spec, [&](Endpoint& ep, grpc::ClientContext* ctx) {
    // Each attempt starts the file over.
    std::ofstream out(part, std::ios::binary | std::ios::trunc);
    if (!out) {
      write_error = "cannot write " + part;
      return grpc::Status::OK;
    }
    TrailerCheck check;
    info = SnapshotInfo{};
    etcdserverpb::SnapshotResponse response;
    auto reader = ep.maintenance->Snapshot(ctx, etcdserverpb::SnapshotRequest());
    while (reader->Read(&response)) {
      if (info.revision == 0) info.revision = response.header().revision();
      out.write(response.blob().data(), static_cast<std::streamsize>(response.blob().size()));
      check.Add(response.blob());
      info.bytes += static_cast<int64_t>(response.blob().size());
    }
    grpc::Status s = reader->Finish();
    if (!s.ok()) return s;
    out.flush();
    if (!out) {
      write_error = "cannot write " + part + " (disk full?)";
      return grpc::Status::OK;
    }
    damaged = !check.Matches(&info.sha256_hex);
    return grpc::Status::OK;
  });
  std::error_code ec;
  auto drop_part = [&] { std::filesystem::remove(part, ec); };
  if (!r.ok()) {
    drop_part();
    return r.error();
  }
  if (!write_error.empty()) {
    drop_part();
    return Error(ErrorCode::kInvalidArgument, what + ": " + write_error);
  }
  if (damaged) {
    drop_part();
    return Error(ErrorCode::kInternal, what + ": the stream failed its SHA-256 check (" +
                                           std::to_string(info.bytes) + " bytes)");
  }
  std::filesystem::rename(part, path, ec);
  if (ec) return Error(ErrorCode::kInvalidArgument, what + ": rename: " + ec.message());
  return info;
}

}  // namespace strata::client::internal

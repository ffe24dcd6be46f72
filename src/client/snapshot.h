// Maintenance.Snapshot into a file, checked against its SHA-256 trailer.
//
// The stream carries etcd's snapshot file: the state image, then the
// SHA-256 of everything before it (32 bytes). The file is written as
// path + ".part" and renamed to path only once the trailer matches.
//
// Thread-safety: as Core.
#pragma once

#include <string>

#include "base/sha256.h"
#include "client/core.h"

namespace strata::client::internal {

// The Sha256 of data[0, size - 32) must equal the last 32 bytes. REQUIRES
// the whole file's bytes, in order, through Add.
class TrailerCheck {
 public:
  void Add(std::string_view bytes);
  // True when at least 32 bytes came and the trailer matches; hex gets it.
  bool Matches(std::string* hex);

 private:
  Sha256 sha_;
  std::string pending_;  // The last (up to) 32 bytes, not hashed yet.
};

Result<SnapshotInfo> SaveSnapshot(Core& core, const std::string& path, const CallOptions& options);

}  // namespace strata::client::internal

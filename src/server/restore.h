// Restoring a backup made with Maintenance.Snapshot (`etcdctl snapshot
// save`, `stratactl snapshot save`) into a new data directory.
//
// The result holds the backup's keys, revisions, leases and auth state, and
// no raft log, identity or member list: a strata-server started on it with
// bootstrap flags (--name, --initial-cluster, --initial-advertise-peer-urls,
// --initial-cluster-state new) forms a NEW cluster whose state is the
// backup's. Restore the same file into the data directory of every member
// of the new cluster. Alarms of the old cluster are dropped.
//
// Thread-safety: a function; safe from any thread.
#pragma once

#include <string>

#include "base/status.h"

namespace strata::server {

struct RestoreOptions {
  // Skip the SHA-256 check (for an image without the trailer). Default: false.
  bool skip_hash_check = false;
};

struct RestoreSummary {
  int64_t revision = 0;  // The backup's current revision.
  uint64_t bytes = 0;    // Size of the snapshot file.
  size_t members = 0;    // Members the backup's cluster had (not restored).
};

// Verifies snapshot_file (its SHA-256 trailer and every check a raft
// snapshot gets) and writes its state into data_dir/db. Errors:
// kInvalidArgument for an unreadable file or a data_dir that already holds
// a database; kCorruption for a file that fails a check (nothing is left in
// data_dir then); engine errors.
Result<RestoreSummary> RestoreSnapshot(const std::string& snapshot_file,
                                       const std::string& data_dir,
                                       const RestoreOptions& options = {});

}  // namespace strata::server

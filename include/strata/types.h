// Value types of the Strata client API: key-values, per-call options and
// the answers of the operations.
//
// Thread-safety: plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace strata::client {

// A key's current value and etcd's revision bookkeeping.
struct KeyValue {
  std::string key{};
  std::string value{};
  int64_t create_revision = 0;  // Revision of the put that created the key.
  int64_t mod_revision = 0;     // Revision of the last put.
  int64_t version = 0;          // Puts since creation (1 after the first). 0 = absent.
};

// How a read is served.
enum class Consistency {
  // Default. The read reflects every write acknowledged before it started
  // (the serving member confirms with a quorum through ReadIndex). Sent to
  // the leader when known, which saves the follower-to-leader hop.
  kLinearizable,
  // Served from the local state of whichever member the client talks to: no
  // quorum round, so faster and available without a leader, but it may miss
  // recent writes. It never shows a value that was not committed, and one
  // member's answers never go back in time.
  kSerializable,
};

// Options of a read.
struct ReadOptions {
  Consistency consistency = Consistency::kLinearizable;
  // Bounds the whole call, retries included. 0: ClientOptions::default_timeout.
  std::chrono::milliseconds timeout{0};
  // Read at this revision (a snapshot); 0 = latest. Compacted revisions fail.
  int64_t revision = 0;
};

// Options of a write.
struct WriteOptions {
  // Bounds the whole call, retries included. 0: ClientOptions::default_timeout.
  std::chrono::milliseconds timeout{0};
  // Also retry when the outcome of an attempt is unknown (the member died
  // or timed out after receiving it). Then a write may be applied twice, or
  // overwrite a later write by another client: only for writes where that
  // is harmless. Default: false (see docs/client.md, "Retries").
  bool retry_if_outcome_unknown = false;
  // Attach the written key to this lease (Lease::id()): the key is deleted
  // when the lease ends. put and put_if_version only. 0: no lease.
  int64_t lease = 0;
};

// Options of calls that are neither reads nor writes of keys.
struct CallOptions {
  // 0: ClientOptions::default_timeout.
  std::chrono::milliseconds timeout{0};
};

struct WriteResult {
  int64_t revision = 0;  // The store's revision after the write.
};

struct RemoveResult {
  int64_t revision = 0;
  int64_t deleted = 0;  // 0 when the key did not exist (not an error).
};

// One page of a range scan. To continue, scan again from next_start at
// `revision` (ReadOptions::revision) so that every page sees one snapshot.
struct ScanPage {
  std::vector<KeyValue> kvs{};
  bool more = false;         // Keys remain in the range after this page.
  std::string next_start{};  // Where the next page starts (the last key + "\0").
  int64_t revision = 0;      // The snapshot this page was read at.
};

struct MultiGetResult {
  // One entry per requested key, in request order; nullopt if absent.
  std::vector<std::optional<KeyValue>> values{};
  int64_t revision = 0;  // Every value was read at this one revision.
};

struct PutEntry {
  std::string key{};
  std::string value{};
};

struct Member {
  uint64_t id = 0;
  std::string name{};
  std::vector<std::string> client_urls{};
  std::vector<std::string> peer_urls{};
  bool is_learner = false;
};

// What one member says about itself (Maintenance.Status).
struct MemberStatus {
  std::string endpoint{};
  bool reachable = false;
  std::string error{};  // Why it did not answer, when !reachable.
  uint64_t member_id = 0;
  uint64_t leader_id = 0;  // 0: this member knows no leader.
  int64_t revision = 0;
  int64_t db_size = 0;
  uint64_t raft_term = 0;
  uint64_t raft_index = 0;
  std::string version{};
};

struct ClusterStatus {
  std::vector<Member> members{};
  std::vector<MemberStatus> statuses{};  // One per member with a client URL.
  uint64_t leader_id = 0;                // Most recent leader reported; 0 if none.
  int64_t revision = 0;                  // Highest revision any member reported.
};

// A snapshot file written by save_snapshot.
struct SnapshotInfo {
  int64_t bytes = 0;         // File size, the SHA-256 trailer included.
  int64_t revision = 0;      // The store's revision the snapshot holds (0: not reported).
  std::string sha256_hex{};  // The trailer, checked against the content.
};

}  // namespace strata::client

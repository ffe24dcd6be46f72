// LeaseTable: the replicated part of etcd leases: which leases exist, their
// granted TTL, and the keys attached to each.
//
// Time is not replicated: when a lease expires is the leader's business
// (api/lessor.h), which revokes it through raft. The table only changes by
// applying committed requests, so every replica holds the same table.
//
// On disk (column family meta, under the kv/ prefix so that kv snapshots
// carry them):
//   kv/lease/<id: 8 bytes BE>                -> granted TTL in seconds (8 bytes BE)
//   kv/lease_key/<id: 8 bytes BE><user key>  -> empty: the key is attached
// The whole table is also held in memory (etcd does the same), rebuilt by
// Reload() at startup and after a snapshot replaced the kv state.
//
// Thread-safety: readers (Exists, Get, List) are safe from any thread; the
// Stage* / Published calls come from the apply thread only.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "kv/types.h"
#include "storage/engine.h"
#include "storage/write_batch.h"

namespace strata::kv {

struct Lease {
  int64_t id = 0;
  int64_t ttl = 0;                // Granted TTL, seconds.
  std::vector<std::string> keys;  // Attached keys, in byte order.
};

// What one applied request changes in the table, staged with its batch and
// made visible by LeaseTable::Published once the batch is durable.
struct LeaseChanges {
  struct Attachment {
    int64_t lease;
    std::string key;
    bool attach;  // False: detach.
  };
  std::vector<std::pair<int64_t, int64_t>> granted;  // id, ttl
  std::vector<Attachment> attachments;               // In the order they happened.
  std::vector<int64_t> revoked;
  bool empty() const { return granted.empty() && attachments.empty() && revoked.empty(); }
};

class LeaseTable {
 public:
  // An empty table (a new store holds no leases).
  LeaseTable() = default;
  // Replaces the in-memory table with what engine holds (at startup, and
  // after a kv snapshot import). Errors: engine errors; kCorruption for
  // malformed records (then the table is unchanged).
  Status Reload(const storage::Reader& engine);

  bool Exists(int64_t id) const;
  // The granted TTL of the lease, or nullopt.
  std::optional<int64_t> Ttl(int64_t id) const;
  // The lease with its attached keys, or nullopt.
  std::optional<Lease> Get(int64_t id) const;
  // Every lease id with its TTL, ascending by id.
  std::vector<std::pair<int64_t, int64_t>> List() const;

  // Stages a new lease. REQUIRES: !Exists(id), ttl > 0.
  void StageGrant(int64_t id, int64_t ttl, storage::WriteBatch* batch, LeaseChanges* changes) const;
  // Stages removing the lease and every attachment. REQUIRES: Exists(id).
  void StageRevoke(int64_t id, storage::WriteBatch* batch, LeaseChanges* changes) const;
  // Stages the attachments the changes of one write transaction imply: a
  // put attaches its key to its lease (detaching it from the previous
  // one); a delete detaches it.
  void StageEvents(const std::vector<Event>& events, storage::WriteBatch* batch,
                   LeaseChanges* changes) const;
  // Makes staged changes visible once their batch is written.
  void Published(const LeaseChanges& changes);

 private:
  mutable std::mutex mu_;
  std::map<int64_t, int64_t> ttl_;                     // Guarded by mu_.
  std::map<int64_t, std::set<std::string>> attached_;  // Guarded by mu_.
};

}  // namespace strata::kv

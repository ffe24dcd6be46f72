// Plain value types of the MVCC store, mirroring etcd's mvccpb.KeyValue and
// the results of its mvcc package. No behaviour beyond comparison.
//
// Thread-safety: values.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace strata::kv {

// The position of one change in the store's history. Every write transaction
// gets one `main` revision; its changes get sub = 0, 1, 2... in order.
struct Revision {
  int64_t main = 0;
  int64_t sub = 0;
  auto operator<=>(const Revision&) const = default;
};

// A key as seen at some revision (etcd's mvccpb.KeyValue).
struct KeyValue {
  std::string key;
  // Main revision of the put that created this generation of the key.
  int64_t create_revision = 0;
  // Main revision of the latest change to the key.
  int64_t mod_revision = 0;
  // 1 on creation, +1 per put; a delete ends the generation.
  int64_t version = 0;
  std::string value;
  // Lease id attached by the latest put; 0 for none.
  int64_t lease = 0;
  bool operator==(const KeyValue&) const = default;
};

struct RangeOptions {
  // Read the store as of this revision. Default: 0, the current revision.
  int64_t revision = 0;
  // Return at most this many keys (count still counts all). Default: 0, all.
  int64_t limit = 0;
  // Return only the count, no keys. Default: false.
  bool count_only = false;
  // Return keys without values. Default: false.
  bool keys_only = false;
};

struct RangeResult {
  // Keys in ascending byte order, at most `limit` of them.
  std::vector<KeyValue> kvs;
  // Number of keys in the range, ignoring limit; more = count > kvs.size().
  int64_t count = 0;
  // The store's current revision when the read happened (etcd's header
  // revision), not the revision read at.
  int64_t revision = 0;
};

struct DeleteResult {
  int64_t deleted = 0;
  // The deleted keys as they were just before the delete, in key order.
  std::vector<KeyValue> prev_kvs;
};

// One change made by a write transaction, for watchers.
struct Event {
  enum class Type : uint8_t { kPut, kDelete };
  Type type = Type::kPut;
  // For kPut the new key-value; for kDelete only key and mod_revision (the
  // delete's revision) are set, as in etcd.
  KeyValue kv;
  // The key before the change, if it existed.
  std::optional<KeyValue> prev_kv;
  bool operator==(const Event&) const = default;
};

// The changes a watcher replays (see MvccStore::Events).
struct EventsResult {
  // Oldest first: by main revision, then sub revision.
  std::vector<Event> events;
  // The store's current revision: the events cover up to it.
  int64_t revision = 0;
};

// etcd's HashKV result.
struct HashResult {
  // CRC-32C of the history up to hash_revision (see MvccStore::HashByRev).
  uint32_t hash = 0;
  // The store's current revision.
  int64_t revision = 0;
  // The compacted revision when the hash was taken.
  int64_t compact_revision = 0;
  // The revision the hash covers.
  int64_t hash_revision = 0;
};

}  // namespace strata::kv

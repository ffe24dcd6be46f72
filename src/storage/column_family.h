// The column families of a node's storage engine.
//
// Each column family is an independent, ordered key space. Keeping raft data,
// MVCC data and metadata apart lets each be tuned, compacted and dropped on
// its own (the raft log is deleted in large ranges; MVCC data is scanned).
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace strata::storage {

enum class ColumnFamily : uint8_t {
  kRaftLog = 0,    // Raft entries, keyed by RaftLogKey(range_id, index).
  kRaftState = 1,  // Raft hard state, keyed by HardStateKey(range_id).
  kMvcc = 2,       // MVCC history of user keys (owned by the kv layer).
  kMeta = 3,       // Applied index, membership, range descriptors, kv metadata.
};

inline constexpr size_t kNumColumnFamilies = 4;

inline constexpr std::array<ColumnFamily, kNumColumnFamilies> kAllColumnFamilies = {
    ColumnFamily::kRaftLog, ColumnFamily::kRaftState, ColumnFamily::kMvcc, ColumnFamily::kMeta};

// Stable on-disk name, e.g. "raft_log". Never rename: RocksDB stores it.
std::string_view ColumnFamilyName(ColumnFamily cf);

// Position of cf in kAllColumnFamilies; handy for per-cf arrays.
inline constexpr size_t ColumnFamilyIndex(ColumnFamily cf) { return static_cast<size_t>(cf); }

}  // namespace strata::storage

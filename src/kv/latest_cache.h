// LatestCache: the newest committed version of recently written keys, so
// that a put can learn what it replaces (create revision, version, previous
// value) without seeking the engine's history. Bounded by bytes; the least
// recently used keys fall out first (two generations, not a strict LRU).
//
// The cache is only as right as its writer keeps it: record every change of
// a key's newest version, and Clear() whenever the data changes any other
// way (a snapshot install, a failed write).
//
// Thread-safety: the store's one writer owns it; only stats() may be called
// from other threads.
#pragma once

#include <atomic>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "kv/types.h"

namespace strata::kv {

class LatestCache {
 public:
  // A cache of at most about capacity_bytes of keys and values; 0 disables it.
  explicit LatestCache(size_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}

  // What the cache knows of key's newest version: nullopt if it does not
  // know; otherwise the version, or nullopt inside if the key is absent.
  std::optional<std::optional<KeyValue>> Lookup(std::string_view key);

  // Records that kv is now the newest version of kv.key.
  void RecordPut(const KeyValue& kv);
  // Records that key is now absent.
  void RecordDelete(std::string_view key);

  // Forgets everything.
  void Clear();

  // Bytes held (keys, values and bookkeeping).
  size_t bytes() const { return young_bytes_ + old_bytes_; }

  struct Stats {
    uint64_t hits = 0;    // Lookups answered (present or absent).
    uint64_t misses = 0;  // Lookups not answered (0 while disabled).
    size_t bytes = 0;     // As bytes(), as of the last change.
  };
  // Safe from any thread.
  Stats stats() const;

 private:
  struct Version {
    bool present = false;
    int64_t create_revision = 0;
    int64_t mod_revision = 0;
    int64_t version = 0;
    int64_t lease = 0;
    std::string value;
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using Map = std::unordered_map<std::string, Version, Hash, std::equal_to<>>;

  static size_t Charge(std::string_view key, const Version& v);
  void Record(std::string_view key, Version v);
  // Adds key (absent from both generations) to young_, turning the
  // generations first if it is full. Returns the entry, or null if too big.
  const Version* Insert(std::string key, Version v);
  // Makes the current size visible to stats().
  void PublishBytes() { published_bytes_.store(bytes(), std::memory_order_relaxed); }

  const size_t capacity_bytes_;
  // Recent entries land in young_; when it holds half the capacity it
  // becomes old_ and the previous old_ is dropped. A hit in old_ moves back.
  // A key is in one of them at most.
  Map young_;
  Map old_;
  size_t young_bytes_ = 0;
  size_t old_bytes_ = 0;
  // Written by the writer only, read by stats().
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
  std::atomic<size_t> published_bytes_{0};
};

}  // namespace strata::kv

#include "kv/latest_cache.h"

#include <utility>

namespace strata::kv {

namespace {

// Roughly what a hash node with two strings costs beyond their bytes.
constexpr size_t kEntryOverhead = 96;

// One writer: a plain load and store, no read-modify-write, is enough.
void Bump(std::atomic<uint64_t>& counter) {
  counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

}  // namespace

size_t LatestCache::Charge(std::string_view key, const Version& v) {
  return key.size() + v.value.size() + kEntryOverhead;
}

std::optional<std::optional<KeyValue>> LatestCache::Lookup(std::string_view key) {
  if (capacity_bytes_ == 0) return std::nullopt;
  const Version* found = nullptr;
  if (auto young = young_.find(key); young != young_.end()) {
    found = &young->second;
  } else if (auto old = old_.find(key); old != old_.end()) {
    auto node = old_.extract(old);
    old_bytes_ -= Charge(node.key(), node.mapped());
    found = Insert(std::move(node.key()), std::move(node.mapped()));
    PublishBytes();
  }
  if (found == nullptr) {
    Bump(misses_);
    return std::nullopt;
  }
  Bump(hits_);
  const Version& v = *found;
  if (!v.present) return std::optional<KeyValue>();
  KeyValue kv;
  kv.key = std::string(key);
  kv.create_revision = v.create_revision;
  kv.mod_revision = v.mod_revision;
  kv.version = v.version;
  kv.value = v.value;
  kv.lease = v.lease;
  return std::optional<KeyValue>(std::move(kv));
}

void LatestCache::RecordPut(const KeyValue& kv) {
  if (capacity_bytes_ == 0) return;
  Record(kv.key,
         Version{true, kv.create_revision, kv.mod_revision, kv.version, kv.lease, kv.value});
}

void LatestCache::RecordDelete(std::string_view key) {
  if (capacity_bytes_ == 0) return;
  Record(key, Version{});
}

void LatestCache::Record(std::string_view key, Version v) {
  // A key is in at most one generation; a rewritten key is usually young.
  if (auto young = young_.find(key); young != young_.end()) {
    young_bytes_ -= Charge(young->first, young->second);
    if (Charge(key, v) > capacity_bytes_ / 2) {
      young_.erase(young);  // As Insert would refuse it.
      PublishBytes();
      return;
    }
    young_bytes_ += Charge(key, v);
    young->second = std::move(v);
    PublishBytes();
    return;
  }
  if (auto old = old_.find(key); old != old_.end()) {
    old_bytes_ -= Charge(old->first, old->second);
    old_.erase(old);
  }
  Insert(std::string(key), std::move(v));
  PublishBytes();
}

const LatestCache::Version* LatestCache::Insert(std::string key, Version v) {
  size_t charge = Charge(key, v);
  if (charge > capacity_bytes_ / 2) return nullptr;  // Would not fit a generation.
  if (young_bytes_ + charge > capacity_bytes_ / 2) {
    old_ = std::move(young_);
    old_bytes_ = young_bytes_;
    young_ = Map();
    young_bytes_ = 0;
  }
  young_bytes_ += charge;
  return &young_.emplace(std::move(key), std::move(v)).first->second;
}

void LatestCache::Clear() {
  young_.clear();
  old_.clear();
  young_bytes_ = 0;
  old_bytes_ = 0;
  PublishBytes();
}

LatestCache::Stats LatestCache::stats() const {
  return Stats{hits_.load(std::memory_order_relaxed), misses_.load(std::memory_order_relaxed),
               published_bytes_.load(std::memory_order_relaxed)};
}

}  // namespace strata::kv

#include "kv/lease_table.h"

#include "storage/keys.h"

namespace strata::kv {
namespace {

using storage::ColumnFamily;

const std::string& LeasePrefix() {
  static const std::string prefix = storage::KvMetaKey("lease/");
  return prefix;
}
const std::string& AttachedPrefix() {
  static const std::string prefix = storage::KvMetaKey("lease_key/");
  return prefix;
}
// The first key after every key starting with prefix (prefixes end in '/').
std::string PrefixEnd(const std::string& prefix) {
  std::string end = prefix;
  end.back() = static_cast<char>(end.back() + 1);
  return end;
}

std::string LeaseKey(int64_t id) {
  return LeasePrefix() + storage::EncodeFixed64BigEndian(static_cast<uint64_t>(id));
}
std::string AttachedKey(int64_t id, std::string_view key) {
  return AttachedPrefix() + storage::EncodeFixed64BigEndian(static_cast<uint64_t>(id)) +
         std::string(key);
}

}  // namespace

Status LeaseTable::Reload(const storage::Reader& engine) {
  std::map<int64_t, int64_t> ttl;
  std::map<int64_t, std::set<std::string>> attached;
  auto leases = engine.NewIterator(ColumnFamily::kMeta, {LeasePrefix(), PrefixEnd(LeasePrefix())});
  STRATA_RETURN_IF_ERROR(leases.status());
  for ((*leases)->SeekToFirst(); (*leases)->Valid(); (*leases)->Next()) {
    std::string_view key = (*leases)->key();
    std::string_view value = (*leases)->value();
    if (key.size() != LeasePrefix().size() + 8 || value.size() != 8) {
      return Status::Corruption("lease record is malformed");
    }
    int64_t id = static_cast<int64_t>(storage::DecodeFixed64BigEndian(key.substr(key.size() - 8)));
    ttl[id] = static_cast<int64_t>(storage::DecodeFixed64BigEndian(value));
  }
  STRATA_RETURN_IF_ERROR((*leases)->status());
  auto keys =
      engine.NewIterator(ColumnFamily::kMeta, {AttachedPrefix(), PrefixEnd(AttachedPrefix())});
  STRATA_RETURN_IF_ERROR(keys.status());
  for ((*keys)->SeekToFirst(); (*keys)->Valid(); (*keys)->Next()) {
    std::string_view key = (*keys)->key();
    if (key.size() <= AttachedPrefix().size() + 8) {
      return Status::Corruption("lease attachment is malformed");
    }
    key.remove_prefix(AttachedPrefix().size());
    int64_t id = static_cast<int64_t>(storage::DecodeFixed64BigEndian(key.substr(0, 8)));
    if (!ttl.contains(id)) return Status::Corruption("lease attachment for an unknown lease");
    attached[id].insert(std::string(key.substr(8)));
  }
  STRATA_RETURN_IF_ERROR((*keys)->status());
  std::lock_guard lock(mu_);
  ttl_ = std::move(ttl);
  attached_ = std::move(attached);
  return Status::Ok();
}

bool LeaseTable::Exists(int64_t id) const {
  std::lock_guard lock(mu_);
  return ttl_.contains(id);
}

std::optional<int64_t> LeaseTable::Ttl(int64_t id) const {
  std::lock_guard lock(mu_);
  auto it = ttl_.find(id);
  if (it == ttl_.end()) return std::nullopt;
  return it->second;
}

std::optional<Lease> LeaseTable::Get(int64_t id) const {
  std::lock_guard lock(mu_);
  auto it = ttl_.find(id);
  if (it == ttl_.end()) return std::nullopt;
  Lease lease{id, it->second, {}};
  auto keys = attached_.find(id);
  if (keys != attached_.end()) lease.keys.assign(keys->second.begin(), keys->second.end());
  return lease;
}

std::vector<std::pair<int64_t, int64_t>> LeaseTable::List() const {
  std::lock_guard lock(mu_);
  return {ttl_.begin(), ttl_.end()};
}

void LeaseTable::StageGrant(int64_t id, int64_t ttl, storage::WriteBatch* batch,
                            LeaseChanges* changes) const {
  STRATA_ASSERT(ttl > 0);
  batch->Put(ColumnFamily::kMeta, LeaseKey(id),
             storage::EncodeFixed64BigEndian(static_cast<uint64_t>(ttl)));
  changes->granted.emplace_back(id, ttl);
}

void LeaseTable::StageRevoke(int64_t id, storage::WriteBatch* batch, LeaseChanges* changes) const {
  batch->Delete(ColumnFamily::kMeta, LeaseKey(id));
  std::string first = AttachedKey(id, "");
  std::string last = AttachedKey(id + 1, "");  // Ids are positive: no overflow.
  batch->DeleteRange(ColumnFamily::kMeta, first, last);
  changes->revoked.push_back(id);
}

void LeaseTable::StageEvents(const std::vector<Event>& events, storage::WriteBatch* batch,
                             LeaseChanges* changes) const {
  for (const Event& e : events) {
    int64_t before = e.prev_kv ? e.prev_kv->lease : 0;
    int64_t after = e.type == Event::Type::kPut ? e.kv.lease : 0;
    if (before == after) continue;
    if (before != 0) {
      batch->Delete(ColumnFamily::kMeta, AttachedKey(before, e.kv.key));
      changes->attachments.push_back({before, e.kv.key, false});
    }
    if (after != 0) {
      batch->Put(ColumnFamily::kMeta, AttachedKey(after, e.kv.key), "");
      changes->attachments.push_back({after, e.kv.key, true});
    }
  }
}

void LeaseTable::Published(const LeaseChanges& changes) {
  std::lock_guard lock(mu_);
  for (const auto& [id, ttl] : changes.granted) ttl_[id] = ttl;
  for (const LeaseChanges::Attachment& a : changes.attachments) {
    if (a.attach) {
      attached_[a.lease].insert(a.key);
      continue;
    }
    auto it = attached_.find(a.lease);
    if (it == attached_.end()) continue;
    it->second.erase(a.key);
    if (it->second.empty()) attached_.erase(it);
  }
  for (int64_t id : changes.revoked) {
    ttl_.erase(id);
    attached_.erase(id);
  }
}

}  // namespace strata::kv

#include "api/members.h"

#include "storage/keys.h"

namespace strata::api {
namespace {

constexpr std::string_view kPrefix = "member/";
constexpr std::string_view kClusterIdKey = "cluster/id";

std::string PrefixEnd() {
  std::string end(kPrefix);
  end.back() = static_cast<char>(end.back() + 1);
  return end;
}

}  // namespace

std::string MemberRegistry::Key(uint64_t id) {
  return std::string(kPrefix) + storage::EncodeFixed64BigEndian(id);
}

Result<std::unique_ptr<MemberRegistry>> MemberRegistry::Load(storage::Engine* engine) {
  std::unique_ptr<MemberRegistry> reg(new MemberRegistry());
  auto it = engine->NewIterator(storage::ColumnFamily::kMeta, {std::string(kPrefix), PrefixEnd()});
  if (!it.ok()) return it.status();
  for ((*it)->SeekToFirst(); (*it)->Valid(); (*it)->Next()) {
    etcdserverpb::Member m;
    if (!m.ParseFromArray((*it)->value().data(), static_cast<int>((*it)->value().size()))) {
      return Status::Corruption("member record is malformed");
    }
    reg->members_[m.id()] = std::move(m);
  }
  STRATA_RETURN_IF_ERROR((*it)->status());
  auto cluster = engine->Get(storage::ColumnFamily::kMeta, kClusterIdKey);
  if (!cluster.ok()) return cluster.status();
  if (cluster->has_value()) {
    if ((*cluster)->size() != 8) return Status::Corruption("cluster id record is malformed");
    reg->cluster_id_ = storage::DecodeFixed64BigEndian(**cluster);
  }
  return reg;
}

std::vector<etcdserverpb::Member> MemberRegistry::list() const {
  std::lock_guard lock(mu_);
  std::vector<etcdserverpb::Member> out;
  for (const auto& [id, m] : members_) out.push_back(m);
  return out;
}

std::optional<etcdserverpb::Member> MemberRegistry::find(uint64_t id) const {
  std::lock_guard lock(mu_);
  auto it = members_.find(id);
  if (it == members_.end()) return std::nullopt;
  return it->second;
}

std::optional<etcdserverpb::Member> MemberRegistry::find_by_peer_url(const std::string& url) const {
  std::lock_guard lock(mu_);
  for (const auto& [id, m] : members_) {
    for (const auto& u : m.peerurls()) {
      if (u == url) return m;
    }
  }
  return std::nullopt;
}

bool MemberRegistry::empty() const {
  std::lock_guard lock(mu_);
  return members_.empty();
}

uint64_t MemberRegistry::cluster_id() const {
  std::lock_guard lock(mu_);
  return cluster_id_;
}

void MemberRegistry::stage_cluster_id(uint64_t id, storage::WriteBatch* batch) const {
  batch->Put(storage::ColumnFamily::kMeta, kClusterIdKey, storage::EncodeFixed64BigEndian(id));
}

void MemberRegistry::cluster_id_committed(uint64_t id) {
  std::lock_guard lock(mu_);
  cluster_id_ = id;
}

void MemberRegistry::stage_put(const etcdserverpb::Member& m, storage::WriteBatch* batch) const {
  batch->Put(storage::ColumnFamily::kMeta, Key(m.id()), m.SerializeAsString());
}

void MemberRegistry::stage_remove(uint64_t id, storage::WriteBatch* batch) const {
  batch->Delete(storage::ColumnFamily::kMeta, Key(id));
}

void MemberRegistry::stage_replace_all(const std::vector<etcdserverpb::Member>& members,
                                       storage::WriteBatch* batch) const {
  batch->DeleteRange(storage::ColumnFamily::kMeta, std::string(kPrefix), PrefixEnd());
  for (const auto& m : members) stage_put(m, batch);
}

void MemberRegistry::put_committed(const etcdserverpb::Member& m) {
  std::lock_guard lock(mu_);
  members_[m.id()] = m;
}

void MemberRegistry::remove_committed(uint64_t id) {
  std::lock_guard lock(mu_);
  members_.erase(id);
}

void MemberRegistry::replace_all_committed(const std::vector<etcdserverpb::Member>& members) {
  std::lock_guard lock(mu_);
  members_.clear();
  for (const auto& m : members) members_[m.id()] = m;
}

}  // namespace strata::api

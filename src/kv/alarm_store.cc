#include "kv/alarm_store.h"

#include "storage/keys.h"

namespace strata::kv {
namespace {

const std::string& Prefix() {
  static const std::string prefix = storage::KvMetaKey("alarm/");
  return prefix;
}

std::string Key(const AlarmStore::Alarm& a) {
  std::string key = Prefix() + storage::EncodeFixed64BigEndian(a.first);
  uint32_t type = static_cast<uint32_t>(a.second);
  for (int shift = 24; shift >= 0; shift -= 8) key.push_back(static_cast<char>(type >> shift));
  return key;
}

}  // namespace

Status AlarmStore::Reload(const storage::Reader& engine) {
  std::string end = Prefix();
  end.back() = static_cast<char>(end.back() + 1);
  auto it = engine.NewIterator(storage::ColumnFamily::kMeta, {Prefix(), end});
  STRATA_RETURN_IF_ERROR(it.status());
  std::set<Alarm> raised;
  for ((*it)->SeekToFirst(); (*it)->Valid(); (*it)->Next()) {
    std::string_view key = (*it)->key();
    if (key.size() != Prefix().size() + 12) return Status::Corruption("alarm record is malformed");
    key.remove_prefix(Prefix().size());
    uint64_t member = storage::DecodeFixed64BigEndian(key.substr(0, 8));
    uint32_t type = 0;
    for (char c : key.substr(8)) type = (type << 8) | static_cast<uint8_t>(c);
    raised.emplace(member, static_cast<int>(type));
  }
  STRATA_RETURN_IF_ERROR((*it)->status());
  staged_ = raised;
  std::lock_guard lock(mu_);
  raised_ = std::move(raised);
  return Status::Ok();
}

std::vector<AlarmStore::Alarm> AlarmStore::List() const {
  std::lock_guard lock(mu_);
  return {raised_.begin(), raised_.end()};
}

bool AlarmStore::Raised(etcdserverpb::AlarmType type) const {
  std::lock_guard lock(mu_);
  for (const Alarm& a : raised_) {
    if (a.second == type) return true;
  }
  return false;
}

etcdserverpb::AlarmResponse AlarmStore::Apply(const etcdserverpb::AlarmRequest& request,
                                              storage::WriteBatch* batch) {
  STRATA_ASSERT(request.action() != etcdserverpb::AlarmRequest::GET);
  etcdserverpb::AlarmResponse response;
  Alarm alarm{request.memberid(), request.alarm()};
  bool activate = request.action() == etcdserverpb::AlarmRequest::ACTIVATE;
  if (activate && alarm.second != etcdserverpb::NONE && staged_.insert(alarm).second) {
    batch->Put(storage::ColumnFamily::kMeta, Key(alarm), "");
  } else if (!activate && staged_.erase(alarm) > 0) {
    batch->Delete(storage::ColumnFamily::kMeta, Key(alarm));
  } else {
    return response;
  }
  auto* changed = response.add_alarms();
  changed->set_memberid(alarm.first);
  changed->set_alarm(static_cast<etcdserverpb::AlarmType>(alarm.second));
  return response;
}

void AlarmStore::Publish() {
  std::lock_guard lock(mu_);
  raised_ = staged_;
}

}  // namespace strata::kv

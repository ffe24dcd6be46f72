#include "raft/storage.h"

#include <string>

namespace strata::raft {

MemoryStorage::MemoryStorage() : ents_(1) {}

Result<InitialState> MemoryStorage::initial_state() const {
  std::lock_guard lock(mu_);
  return InitialState{hard_state_, snapshot_.metadata.conf_state};
}

Index MemoryStorage::first_index_locked() const { return ents_[0].index + 1; }
Index MemoryStorage::last_index_locked() const { return ents_[0].index + (ents_.size() - 1); }

Index MemoryStorage::first_index() const {
  std::lock_guard lock(mu_);
  return first_index_locked();
}

Index MemoryStorage::last_index() const {
  std::lock_guard lock(mu_);
  return last_index_locked();
}

Result<std::vector<Entry>> MemoryStorage::entries(Index lo, Index hi, uint64_t max_bytes) const {
  std::lock_guard lock(mu_);
  STRATA_ASSERT(lo <= hi);
  Index offset = ents_[0].index;
  if (lo <= offset) {
    return Status::Compacted("entry " + std::to_string(lo.value()) + " compacted (first index " +
                             std::to_string(offset.value() + 1) + ")");
  }
  if (hi > last_index_locked() + 1) {
    return Status::Unavailable("entry " + std::to_string(hi.value() - 1) + " beyond last index " +
                               std::to_string(last_index_locked().value()));
  }
  std::vector<Entry> out;
  uint64_t bytes = 0;
  for (Index i = lo; i < hi; ++i) {
    const Entry& e = ents_[i - offset];
    bytes += e.size_bytes();
    if (!out.empty() && bytes > max_bytes) break;
    out.push_back(e);
  }
  return out;
}

Result<Term> MemoryStorage::term(Index i) const {
  std::lock_guard lock(mu_);
  Index offset = ents_[0].index;
  if (i < offset) {
    return Status::Compacted("term of " + std::to_string(i.value()) + " compacted");
  }
  if (i - offset >= ents_.size()) {
    return Status::Unavailable("term of " + std::to_string(i.value()) + " unavailable");
  }
  return ents_[i - offset].term;
}

Result<Snapshot> MemoryStorage::snapshot() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

void MemoryStorage::set_hard_state(const HardState& hs) {
  std::lock_guard lock(mu_);
  hard_state_ = hs;
}

void MemoryStorage::set_conf_state(const ConfState& cs) {
  std::lock_guard lock(mu_);
  snapshot_.metadata.conf_state = cs;
}

void MemoryStorage::append(const std::vector<Entry>& entries) {
  if (entries.empty()) return;
  std::lock_guard lock(mu_);
  Index first = first_index_locked();
  Index last_new = entries.back().index;
  if (last_new < first) return;  // Everything is already compacted.
  size_t skip = first > entries.front().index ? first - entries.front().index : 0;
  Index start = entries[skip].index;
  STRATA_ASSERT_MSG(start <= last_index_locked() + 1,
                    "append leaves a gap at " + std::to_string(start.value()));
  ents_.resize(start - ents_[0].index);  // Truncates any conflicting suffix.
  ents_.insert(ents_.end(), entries.begin() + static_cast<ptrdiff_t>(skip), entries.end());
}

Status MemoryStorage::apply_snapshot(const Snapshot& snap) {
  std::lock_guard lock(mu_);
  if (snap.metadata.index < snapshot_.metadata.index) {
    return Status::FailedPrecondition("snapshot at " + std::to_string(snap.metadata.index.value()) +
                                      " is older than the current one");
  }
  snapshot_ = snap;
  ents_.assign(1, Entry{snap.metadata.term, snap.metadata.index, EntryType::kNormal, {}});
  return Status::Ok();
}

Result<Snapshot> MemoryStorage::create_snapshot(Index i, const ConfState& cs, std::string data) {
  std::lock_guard lock(mu_);
  if (i <= snapshot_.metadata.index) {
    return Status::FailedPrecondition("snapshot at " + std::to_string(i.value()) +
                                      " is not newer than the current one");
  }
  STRATA_ASSERT(i <= last_index_locked());
  snapshot_.metadata.index = i;
  snapshot_.metadata.term = ents_[i - ents_[0].index].term;
  snapshot_.metadata.conf_state = cs;
  snapshot_.data = std::move(data);
  return snapshot_;
}

Status MemoryStorage::compact(Index compact_index) {
  std::lock_guard lock(mu_);
  Index offset = ents_[0].index;
  if (compact_index <= offset) {
    return Status::Compacted("already compacted through " + std::to_string(offset.value()));
  }
  STRATA_ASSERT(compact_index <= last_index_locked());
  size_t keep_from = compact_index - offset;
  Entry dummy{ents_[keep_from].term, ents_[keep_from].index, EntryType::kNormal, {}};
  ents_.erase(ents_.begin(), ents_.begin() + static_cast<ptrdiff_t>(keep_from));
  ents_[0] = std::move(dummy);
  return Status::Ok();
}

}  // namespace strata::raft

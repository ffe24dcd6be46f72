#include "node/log_store.h"

#include "base/coding.h"
#include "storage/keys.h"

namespace strata::node {
namespace {

using raft::Entry;
using raft::EntryType;
using raft::Index;
using raft::Term;
using storage::ColumnFamily;

std::string EncodeTruncated(Index index, Term term) {
  std::string out;
  PutFixed64(&out, index.value());
  PutFixed64(&out, term.value());
  return out;
}

}  // namespace

std::string EncodeEntry(const Entry& e) {
  std::string out;
  out.reserve(9 + e.data.size());
  out.push_back(static_cast<char>(e.type));
  PutFixed64(&out, e.term.value());
  out.append(e.data);
  return out;
}

Result<Entry> DecodeEntry(Index index, std::string_view value) {
  if (value.size() < 9) {
    return Status::Corruption("raft entry " + std::to_string(index.value()) + " is truncated");
  }
  auto type = static_cast<uint8_t>(value[0]);
  if (type > static_cast<uint8_t>(EntryType::kConfChange)) {
    return Status::Corruption("raft entry " + std::to_string(index.value()) + " has unknown type " +
                              std::to_string(type));
  }
  return Entry{Term(DecodeFixed64(value.substr(1))), index, static_cast<EntryType>(type),
               std::string(value.substr(9))};
}

std::string RangeLogStore::TruncatedStateKey(raft::RangeId range) {
  return "t" + storage::EncodeFixed64BigEndian(range.value());
}

Result<std::unique_ptr<RangeLogStore>> RangeLogStore::Open(storage::Engine* engine,
                                                           raft::RangeId range,
                                                           raft::ConfState conf_state,
                                                           SnapshotSource snapshot_source) {
  std::unique_ptr<RangeLogStore> store(
      new RangeLogStore(engine, range, std::move(snapshot_source)));
  STRATA_RETURN_IF_ERROR(store->load(conf_state));
  return store;
}

Status RangeLogStore::load(const raft::ConfState& conf_state) {
  const uint64_t r = range_.value();
  auto truncated = engine_->Get(ColumnFamily::kRaftState, TruncatedStateKey(range_));
  if (!truncated.ok()) return truncated.status();
  Index trunc_index;
  Term trunc_term;
  if (truncated->has_value()) {
    const std::string& v = **truncated;
    if (v.size() != 16) return Status::Corruption("truncated state has the wrong size");
    trunc_index = Index(DecodeFixed64(v));
    trunc_term = Term(DecodeFixed64(std::string_view(v).substr(8)));
  }
  raft::Snapshot base;
  base.metadata.index = trunc_index;
  base.metadata.term = trunc_term;
  base.metadata.conf_state = conf_state;
  STRATA_RETURN_IF_ERROR(mirror_.apply_snapshot(base));

  auto it = engine_->NewIterator(ColumnFamily::kRaftLog,
                                 {storage::RaftLogRangeStart(r), storage::RaftLogRangeEnd(r)});
  if (!it.ok()) return it.status();
  std::vector<Entry> entries;
  for ((*it)->Seek(storage::RaftLogKey(r, trunc_index.value() + 1)); (*it)->Valid();
       (*it)->Next()) {
    auto parts = storage::DecodeRaftLogKey((*it)->key());
    if (!parts.ok()) return parts.status();
    Index expected = trunc_index + (entries.size() + 1);
    if (parts->index != expected.value()) {
      return Status::Corruption("raft log of range " + std::to_string(r) + " has a hole at " +
                                std::to_string(expected.value()));
    }
    auto e = DecodeEntry(expected, (*it)->value());
    if (!e.ok()) return e.status();
    entries.push_back(std::move(*e));
  }
  STRATA_RETURN_IF_ERROR((*it)->status());
  mirror_.append(entries);

  auto hs = engine_->Get(ColumnFamily::kRaftState, storage::HardStateKey(r));
  if (!hs.ok()) return hs.status();
  if (hs->has_value()) {
    const std::string& v = **hs;
    if (v.size() != 24) return Status::Corruption("hard state has the wrong size");
    std::string_view view(v);
    mirror_.set_hard_state(raft::HardState{Term(DecodeFixed64(view)),
                                           raft::NodeId(DecodeFixed64(view.substr(8))),
                                           Index(DecodeFixed64(view.substr(16)))});
  }
  return Status::Ok();
}

Result<raft::InitialState> RangeLogStore::initial_state() const { return mirror_.initial_state(); }

Result<std::vector<Entry>> RangeLogStore::entries(Index lo, Index hi, uint64_t max_bytes) const {
  return mirror_.entries(lo, hi, max_bytes);
}

Result<Term> RangeLogStore::term(Index i) const { return mirror_.term(i); }
Index RangeLogStore::first_index() const { return mirror_.first_index(); }
Index RangeLogStore::last_index() const { return mirror_.last_index(); }

Result<raft::Snapshot> RangeLogStore::snapshot() const { return snapshot_source_(); }

void RangeLogStore::stage_entries(const std::vector<Entry>& entries,
                                  storage::WriteBatch* batch) const {
  if (entries.empty()) return;
  const uint64_t r = range_.value();
  for (const Entry& e : entries) {
    batch->Put(ColumnFamily::kRaftLog, storage::RaftLogKey(r, e.index.value()), EncodeEntry(e));
  }
  // Entries past the new tail belong to a replaced suffix.
  Index new_last = entries.back().index;
  if (new_last < last_index()) {
    batch->DeleteRange(ColumnFamily::kRaftLog, storage::RaftLogKey(r, new_last.value() + 1),
                       storage::RaftLogRangeEnd(r));
  }
}

void RangeLogStore::entries_persisted(const std::vector<Entry>& entries) {
  mirror_.append(entries);
}

void RangeLogStore::stage_hard_state(const raft::HardState& hs, storage::WriteBatch* batch) const {
  std::string v;
  PutFixed64(&v, hs.term.value());
  PutFixed64(&v, hs.vote.value());
  PutFixed64(&v, hs.commit.value());
  batch->Put(ColumnFamily::kRaftState, storage::HardStateKey(range_.value()), v);
}

void RangeLogStore::hard_state_persisted(const raft::HardState& hs) { mirror_.set_hard_state(hs); }

void RangeLogStore::stage_snapshot(const raft::SnapshotMetadata& md,
                                   storage::WriteBatch* batch) const {
  const uint64_t r = range_.value();
  batch->DeleteRange(ColumnFamily::kRaftLog, storage::RaftLogRangeStart(r),
                     storage::RaftLogRangeEnd(r));
  batch->Put(ColumnFamily::kRaftState, TruncatedStateKey(range_),
             EncodeTruncated(md.index, md.term));
}

void RangeLogStore::snapshot_persisted(const raft::SnapshotMetadata& md) {
  Status s = mirror_.apply_snapshot(raft::Snapshot{md, ""});
  STRATA_ASSERT_MSG(s.ok(), s.ToString());
}

Status RangeLogStore::stage_compaction(Index index, storage::WriteBatch* batch) const {
  if (index < first_index()) {
    return Status::Compacted("raft log already compacted through " +
                             std::to_string(first_index().value() - 1));
  }
  STRATA_ASSERT(index <= last_index());
  auto t = mirror_.term(index);
  if (!t.ok()) return t.status();
  const uint64_t r = range_.value();
  batch->DeleteRange(ColumnFamily::kRaftLog, storage::RaftLogRangeStart(r),
                     storage::RaftLogKey(r, index.value() + 1));
  batch->Put(ColumnFamily::kRaftState, TruncatedStateKey(range_), EncodeTruncated(index, *t));
  return Status::Ok();
}

void RangeLogStore::compaction_persisted(Index index) {
  Status s = mirror_.compact(index);
  STRATA_ASSERT_MSG(s.ok() || s.Is(StatusCode::kCompacted), s.ToString());
}

}  // namespace strata::node

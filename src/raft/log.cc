#include "raft/log.h"

#include <algorithm>
#include <string>

namespace strata::raft {
namespace {

std::string Str(Index i) { return std::to_string(i.value()); }

}  // namespace

// ---- Unstable ----

std::optional<Index> Unstable::maybe_first_index() const {
  if (snapshot) return snapshot->metadata.index + 1;
  return std::nullopt;
}

std::optional<Index> Unstable::maybe_last_index() const {
  if (!entries.empty()) return offset + (entries.size() - 1);
  if (snapshot) return snapshot->metadata.index;
  return std::nullopt;
}

std::optional<Term> Unstable::maybe_term(Index i) const {
  if (i < offset) {
    if (snapshot && snapshot->metadata.index == i) return snapshot->metadata.term;
    return std::nullopt;
  }
  auto last = maybe_last_index();
  if (!last || i > *last) return std::nullopt;
  if (entries.empty()) return std::nullopt;
  return entries[i - offset].term;
}

void Unstable::stable_to(Index i, Term t) {
  auto term = maybe_term(i);
  // Only stabilize if the entry was not replaced since it was handed out.
  if (!term || *term != t || i < offset) return;
  entries.erase(entries.begin(), entries.begin() + static_cast<ptrdiff_t>(i - offset + 1));
  offset = i + 1;
}

void Unstable::stable_snapshot_to(Index i) {
  if (snapshot && snapshot->metadata.index == i) snapshot.reset();
}

void Unstable::restore(const Snapshot& s) {
  offset = s.metadata.index + 1;
  entries.clear();
  snapshot = s;
}

void Unstable::truncate_and_append(const std::vector<Entry>& ents) {
  Index after = ents.front().index;
  if (after == offset + entries.size()) {
    entries.insert(entries.end(), ents.begin(), ents.end());
  } else if (after <= offset) {
    // Replaces everything unstable; the storage suffix is replaced on persist.
    offset = after;
    entries = ents;
  } else {
    entries.resize(after - offset);
    entries.insert(entries.end(), ents.begin(), ents.end());
  }
}

std::vector<Entry> Unstable::slice(Index lo, Index hi) const {
  STRATA_ASSERT(offset <= lo && lo <= hi && hi <= offset + entries.size());
  return std::vector<Entry>(entries.begin() + static_cast<ptrdiff_t>(lo - offset),
                            entries.begin() + static_cast<ptrdiff_t>(hi - offset));
}

// ---- RaftLog ----

RaftLog::RaftLog(const LogStorage* storage, uint64_t max_committed_bytes)
    : storage_(storage), max_committed_bytes_(max_committed_bytes) {
  Index first = storage_->first_index();
  Index last = storage_->last_index();
  unstable_.offset = last + 1;
  committed_ = first - 1;
  applied_ = first - 1;
}

Index RaftLog::persisted_last_index() const {
  // A pending snapshot is not durable yet; until it is, the old log is.
  if (unstable_.snapshot) return storage_->last_index();
  return unstable_.offset - 1;
}

Index RaftLog::first_index() const {
  if (auto i = unstable_.maybe_first_index()) return *i;
  return storage_->first_index();
}

Index RaftLog::last_index() const {
  if (auto i = unstable_.maybe_last_index()) return *i;
  return storage_->last_index();
}

Term RaftLog::last_term() const {
  auto t = term(last_index());
  STRATA_ASSERT_MSG(t.ok(), "term of last index unavailable: " + t.status().ToString());
  return *t;
}

Result<Term> RaftLog::term(Index i) const {
  // The valid range is [first_index - 1, last_index].
  Index dummy = first_index() - 1;
  if (i < dummy) return Status::Compacted("term of " + Str(i) + " compacted");
  if (i > last_index()) return Status::Unavailable("term of " + Str(i) + " past last index");
  if (auto t = unstable_.maybe_term(i)) return *t;
  auto t = storage_->term(i);
  if (t.ok() || t.status().Is(StatusCode::kCompacted) || t.status().Is(StatusCode::kUnavailable)) {
    return t;
  }
  STRATA_ASSERT_MSG(false, "log storage failed: " + t.status().ToString());
  return t;
}

Term RaftLog::term_or_zero(Index i) const {
  auto t = term(i);
  return t.ok() ? *t : Term(0);
}

bool RaftLog::match_term(Index i, Term t) const {
  auto got = term(i);
  return got.ok() && *got == t;
}

bool RaftLog::is_up_to_date(Index last, Term t) const {
  Term our = last_term();
  return t > our || (t == our && last >= last_index());
}

std::optional<Index> RaftLog::maybe_append(Index index, Term log_term, Index commit,
                                           const std::vector<Entry>& ents) {
  if (!match_term(index, log_term)) return std::nullopt;
  Index last_new = index + ents.size();
  Index conflict = find_conflict(ents);
  if (conflict != Index(0)) {
    STRATA_ASSERT_MSG(conflict > committed_, "entry " + Str(conflict) +
                                                 " conflicts with committed entry (committed " +
                                                 Str(committed_) + ")");
    std::vector<Entry> suffix(ents.begin() + static_cast<ptrdiff_t>(conflict - (index + 1)),
                              ents.end());
    append(suffix);
  }
  commit_to(std::min(commit, last_new));
  return last_new;
}

Index RaftLog::append(const std::vector<Entry>& ents) {
  if (ents.empty()) return last_index();
  STRATA_ASSERT_MSG(
      ents.front().index - 1 >= committed_,
      "append at " + Str(ents.front().index) + " would overwrite committed " + Str(committed_));
  unstable_.truncate_and_append(ents);
  return last_index();
}

Index RaftLog::find_conflict(const std::vector<Entry>& ents) const {
  for (const Entry& e : ents) {
    if (!match_term(e.index, e.term)) return e.index;
  }
  return Index(0);
}

std::pair<Index, Term> RaftLog::find_conflict_by_term(Index i, Term t) const {
  for (;; i = i - 1) {
    auto our = term(i);
    if (!our.ok()) return {i, Term(0)};
    if (*our <= t) return {i, *our};
    if (i == Index(0)) return {i, *our};
  }
}

Status RaftLog::check_bounds(Index lo, Index hi) const {
  STRATA_ASSERT(lo <= hi);
  if (lo < first_index()) return Status::Compacted("entry " + Str(lo) + " compacted");
  if (hi > last_index() + 1) {
    return Status::Unavailable("slice [" + Str(lo) + "," + Str(hi) + ") past last index");
  }
  return Status::Ok();
}

Result<std::vector<Entry>> RaftLog::slice_unbounded(Index lo, Index hi, uint64_t max_bytes) const {
  std::vector<Entry> out;
  if (lo < unstable_.offset) {
    Index stored_hi = std::min(hi, unstable_.offset);
    auto stored = storage_->entries(lo, stored_hi, max_bytes);
    if (!stored.ok()) {
      if (stored.status().Is(StatusCode::kCompacted)) return stored.status();
      STRATA_ASSERT_MSG(false, "log storage failed: " + stored.status().ToString());
    }
    out = std::move(*stored);
    // Storage stopped early because of the byte limit: return what we have.
    if (out.size() < stored_hi - lo) return out;
  }
  if (hi > unstable_.offset) {
    auto tail = unstable_.slice(std::max(lo, unstable_.offset), hi);
    out.insert(out.end(), std::make_move_iterator(tail.begin()),
               std::make_move_iterator(tail.end()));
  }
  // Apply the byte limit across both parts (always at least one entry).
  uint64_t bytes = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    bytes += out[i].size_bytes();
    if (i > 0 && bytes > max_bytes) {
      out.resize(i);
      break;
    }
  }
  return out;
}

Result<std::vector<Entry>> RaftLog::slice(Index lo, Index hi, uint64_t max_bytes) const {
  STRATA_RETURN_IF_ERROR(check_bounds(lo, hi));
  if (lo == hi) return std::vector<Entry>{};
  return slice_unbounded(lo, hi, max_bytes);
}

Result<std::vector<Entry>> RaftLog::entries_from(Index i, uint64_t max_bytes) const {
  if (i > last_index()) return std::vector<Entry>{};
  return slice(i, last_index() + 1, max_bytes);
}

bool RaftLog::has_next_committed_entries() const {
  if (unstable_.snapshot) return false;
  Index lo = std::max(applied_ + 1, first_index());
  return committed_ + 1 > lo;
}

std::vector<Entry> RaftLog::next_committed_entries() const {
  if (!has_next_committed_entries()) return {};
  Index lo = std::max(applied_ + 1, first_index());
  auto ents = slice(lo, committed_ + 1, max_committed_bytes_);
  STRATA_ASSERT_MSG(ents.ok(), "committed entries unavailable: " + ents.status().ToString());
  return std::move(*ents);
}

Result<Snapshot> RaftLog::snapshot() const {
  if (unstable_.snapshot) return *unstable_.snapshot;
  return storage_->snapshot();
}

void RaftLog::commit_to(Index i) {
  if (i <= committed_) return;
  STRATA_ASSERT_MSG(i <= last_index(),
                    "commit " + Str(i) + " is past last index " + Str(last_index()));
  committed_ = i;
}

void RaftLog::applied_to(Index i) {
  if (i == Index(0)) return;
  STRATA_ASSERT_MSG(
      i <= committed_ && i >= applied_,
      "applied " + Str(i) + " outside [" + Str(applied_) + "," + Str(committed_) + "]");
  applied_ = i;
}

void RaftLog::restore(const Snapshot& s) {
  committed_ = s.metadata.index;
  unstable_.restore(s);
}

bool RaftLog::has_unapplied_conf_change() const {
  if (committed_ <= applied_) return false;
  Index lo = std::max(applied_ + 1, first_index());
  if (lo > committed_) return false;
  auto ents = slice(lo, committed_ + 1, UINT64_MAX);
  if (!ents.ok()) return false;
  for (const Entry& e : *ents) {
    if (e.type == EntryType::kConfChange) return true;
  }
  return false;
}

}  // namespace strata::raft

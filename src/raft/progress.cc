#include "raft/progress.h"

#include <algorithm>

#include "base/assert.h"

namespace strata::raft {

void Inflights::add(Index last_index) {
  STRATA_ASSERT(!full());
  STRATA_ASSERT(window_.empty() || window_.back() <= last_index);
  window_.push_back(last_index);
}

void Inflights::free_le(Index index) {
  while (!window_.empty() && window_.front() <= index) window_.pop_front();
}

void Inflights::free_first_one() {
  if (!window_.empty()) window_.pop_front();
}

void Progress::reset_state(ProgressState s) {
  state = s;
  probe_sent = false;
  pending_snapshot = Index(0);
  inflights.reset();
}

void Progress::become_probe() {
  // After a snapshot, resume probing just past it: the follower has it.
  if (state == ProgressState::kSnapshot) {
    Index pending = pending_snapshot;
    reset_state(ProgressState::kProbe);
    next = std::max(match + 1, pending + 1);
  } else {
    reset_state(ProgressState::kProbe);
    next = match + 1;
  }
}

void Progress::become_replicate() {
  reset_state(ProgressState::kReplicate);
  next = match + 1;
}

void Progress::become_snapshot(Index snapshot_index) {
  reset_state(ProgressState::kSnapshot);
  pending_snapshot = snapshot_index;
}

bool Progress::maybe_update(Index n) {
  bool updated = false;
  if (match < n) {
    match = n;
    updated = true;
    probe_sent = false;
  }
  next = std::max(next, n + 1);
  return updated;
}

bool Progress::maybe_decrease_to(Index rejected, Index match_hint) {
  if (state == ProgressState::kReplicate) {
    // Only a rejection of something past match is news; the rest is stale.
    if (rejected <= match) return false;
    next = match + 1;
    return true;
  }
  // In probe state only the last probe's rejection counts.
  if (next - 1 != rejected) return false;
  next = std::max(std::min(rejected, match_hint + 1), match + 1);
  probe_sent = false;
  return true;
}

void Progress::sent_entries(uint64_t count, Index last_index) {
  switch (state) {
    case ProgressState::kReplicate:
      if (count > 0) {
        next = last_index + 1;
        inflights.add(last_index);
      }
      break;
    case ProgressState::kProbe:
      if (count > 0) probe_sent = true;
      break;
    case ProgressState::kSnapshot:
      STRATA_ASSERT_MSG(false, "sending entries to a peer in snapshot state");
  }
}

bool Progress::is_paused() const {
  switch (state) {
    case ProgressState::kProbe:
      return probe_sent;
    case ProgressState::kReplicate:
      return inflights.full();
    case ProgressState::kSnapshot:
      return true;
  }
  return true;
}

}  // namespace strata::raft

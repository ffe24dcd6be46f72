// Commit safety: once an entry is committed, no node lacking it may ever be
// elected. Checked the moment an index is first applied anywhere, from the
// durable logs alone: a voter without the entry could win an election if a
// quorum of voters (of both halves of a joint config) have logs no more up to
// date than its own (raft paper 5.4.1: voters refuse less up-to-date logs).
//
// Raft guarantees this: when an index commits, a quorum holds an entry of the
// committing leader's term at or after it, and each of them is strictly more
// up to date than any log lacking the entry. Counting replicas of an earlier
// term's entry (the paper's figure 8) breaks it at once, before the entry is
// overwritten anywhere. Votes and terms are ignored: the check over-estimates
// who can be elected, which is safe because Raft promises it for any votes.
#pragma once

#include <string>
#include <vector>

#include "raft/types.h"

namespace strata::sim {

// What the check needs to know about one voter's durable log.
struct LogTip {
  raft::NodeId id;
  bool holds = false;  // Has the committed entry (or a snapshot past it).
  raft::Term last_term;
  raft::Index last_index;
};

// Returns "" if no voter lacking the entry could be elected under `cs`;
// otherwise describes one that could and who would vote for it. `tips` covers
// the voters that exist (a missing voter counts as not voting).
std::string ElectableWithout(const std::vector<LogTip>& tips, const raft::ConfState& cs);

}  // namespace strata::sim

// Helpers for scripted scenario tests: a quiet cluster (fixed delays, no loss,
// no random faults) that the test steers by hand.
#pragma once

#include <optional>
#include <string>

#include "cluster.h"

namespace strata::sim::scenario {

// `nodes` voters, fixed 0.1-tick delays, no loss. Pre-vote and check-quorum
// off unless a test turns them on, so that campaign() works on demand.
ClusterOptions QuietOptions(int nodes);

// Campaigns `who` (repeatedly, at most `attempts` times) and delivers every
// message until quiet. Returns true if `who` ended up leader.
bool Elect(Cluster& c, raft::NodeId who, int attempts = 5);
// The entry at index i in `n`'s durable log, if present (not compacted).
std::optional<raft::Entry> EntryAt(SimNode& n, raft::Index i);
// Term of index i in `n`'s durable log (snapshot boundary included), or 0.
raft::Term TermAt(SimNode& n, raft::Index i);
// Proposes `cmd` on `who`, then runs ticks until `who` applied it (or max_ticks).
bool Write(Cluster& c, raft::NodeId who, const std::string& cmd, uint64_t max_ticks = 200);
// Cuts every link between `n` and all other nodes (both ways).
void Isolate(Cluster& c, raft::NodeId n);
// First violation's text, or "" (for assertion messages).
std::string FirstViolation(Cluster& c);

// prefix + decimal i ("w" + 7 = "w7").
inline std::string Cmd(const char* prefix, int i) {
  std::string s(prefix);
  return s.append(std::to_string(i));
}

inline raft::NodeId Id(uint64_t v) { return raft::NodeId(v); }
inline raft::Index Idx(uint64_t v) { return raft::Index(v); }

}  // namespace strata::sim::scenario

// Checks Raft's safety properties (Raft paper, Figure 3) on the stream of
// events a simulated cluster reports, after every event:
//
//  1. Election safety: at most one leader per term, over all history.
//  2. Log matching: if two durable logs hold an entry with the same index and
//     term, they are identical up to it. Checked incrementally: every entry
//     written to any durable log is registered by (index, term) with its data
//     hash and its predecessor's term; a second write of the same (index, term)
//     must agree on both, which by induction gives the whole property.
//  3. Leader completeness: every committed entry (one some node applied) is in
//     the log of every leader of a higher term, at the moment it is elected.
//     The term an entry was committed in is not observable, but it is at most
//     the term of any node when it applies the entry (that node heard of the
//     commit in a term at least the committing leader's); the check uses the
//     lowest such bound, so it never flags a leader of an older term that
//     wins late.
//  4. State machine safety: no two nodes apply different entries at an index;
//     every node applies indexes in order; registers agree at every length;
//     snapshots and membership agree with what was applied.
//
// The checker sees plain data only (no Raft objects), so tests can feed it
// hand-made histories. Thread-safety: none.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "raft/types.h"
#include "register.h"
#include "violations.h"

namespace strata::sim {

// A read-only view of one node's log for leader completeness.
struct LogView {
  raft::Index snapshot_index;  // Entries up to here are covered by a snapshot.
  raft::Term snapshot_term;
  raft::Index last_index;
  // Term of the entry at i. REQUIRES: snapshot_index < i <= last_index.
  std::function<raft::Term(raft::Index)> term_at;
};

class SafetyChecker {
 public:
  explicit SafetyChecker(Violations* out) : out_(out) {}

  // (1), (3): `node` is leader of `term`; `log` is its log at that moment.
  void on_leader(SimTime now, raft::NodeId node, raft::Term term, const LogView& log);
  // (2): `entries` (contiguous) were written to `node`'s durable log right
  // after an entry of term `prev_term` (the snapshot's term at a boundary).
  void on_persist(SimTime now, raft::NodeId node, raft::Term prev_term,
                  const std::vector<raft::Entry>& entries);
  // A snapshot was written to `node`'s durable log (received or created).
  void on_snapshot(SimTime now, raft::NodeId node, const raft::SnapshotMetadata& meta);
  // (4): `node` restored its state machine to `reg` as of index `applied`
  // (restart or InstallSnapshot). Its next apply must be applied + 1.
  void on_restore(SimTime now, raft::NodeId node, raft::Index applied, const RegisterState& reg);
  // (4): `node`, in term `node_term`, applied `e`; `reg` is its register
  // afterwards.
  void on_apply(SimTime now, raft::NodeId node, raft::Term node_term, const raft::Entry& e,
                const RegisterState& reg);
  // (4): applying the conf change at `index` gave `node` the membership `cs`.
  void on_conf_applied(SimTime now, raft::NodeId node, raft::Index index,
                       const raft::ConfState& cs);
  // `node` lost its volatile state; it must restore before applying again.
  void on_crash(raft::NodeId node);

  // Leaders elected so far (one per term at most, or a violation).
  uint64_t elections() const { return leaders_.size(); }
  // Highest index any node applied (0 if none).
  raft::Index max_applied() const;
  // Term of the entry applied at i, if any node applied it.
  std::optional<raft::Term> applied_term(raft::Index i) const;
  // The membership after the newest applied conf change, if any.
  const raft::ConfState* latest_conf() const;
  // The register hash at length `count`, if some node reached it.
  std::optional<uint64_t> register_hash(uint64_t count) const;
  uint64_t max_register_count() const { return reg_hash_.size(); }

 private:
  struct Applied {
    raft::Term term;
    raft::EntryType type;
    uint64_t data_hash;
    raft::Term committed_by;  // Upper bound on the term it was committed in.
  };
  struct Written {
    uint64_t data_hash;
    raft::Term prev_term;
  };
  struct PairHash {
    size_t operator()(const std::pair<uint64_t, uint64_t>& p) const {
      return std::hash<uint64_t>()(p.first * 0x9e3779b97f4a7c15ULL ^ p.second);
    }
  };
  void check_register(SimTime now, raft::NodeId node, const RegisterState& reg, const char* when);
  void fail(SimTime now, std::string what) { out_->add(now, std::move(what)); }

  Violations* out_;
  std::map<uint64_t, raft::NodeId> leaders_;  // term -> leader
  std::unordered_map<std::pair<uint64_t, uint64_t>, Written, PairHash> written_;
  std::vector<std::optional<Applied>> applied_;          // by index
  std::vector<uint64_t> reg_hash_;                       // reg_hash_[c - 1]: hash at count c
  std::unordered_map<uint64_t, uint64_t> node_applied_;  // node -> last applied (+1; 0 = unknown)
  std::map<uint64_t, raft::ConfState> confs_;            // index -> membership
};

// Hash of an entry's type and payload, for compact comparisons.
uint64_t EntryHash(const raft::Entry& e);

}  // namespace strata::sim

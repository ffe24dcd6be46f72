#include "safety_checker.h"

#include <algorithm>
#include <string>

namespace strata::sim {
namespace {

std::string Str(raft::NodeId n) {
  std::string s = "n";
  return s.append(std::to_string(n.value()));
}
std::string Str(raft::Index i) { return std::to_string(i.value()); }
std::string Str(raft::Term t) { return std::to_string(t.value()); }

}  // namespace

uint64_t EntryHash(const raft::Entry& e) {
  uint64_t h = 0xcbf29ce484222325ULL ^ static_cast<uint64_t>(e.type);
  for (unsigned char c : e.data) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h ^ (e.data.size() << 1);
}

void SafetyChecker::on_leader(SimTime now, raft::NodeId node, raft::Term term, const LogView& log) {
  auto [it, inserted] = leaders_.emplace(term.value(), node);
  if (!inserted && it->second != node) {
    fail(now, "election safety: term " + Str(term) + " has two leaders, " + Str(it->second) +
                  " and " + Str(node));
    return;
  }
  if (!inserted) return;  // Already checked when it was elected.
  // Leader completeness: every applied entry must be in the new leader's log.
  for (uint64_t i = log.snapshot_index.value(); i < applied_.size(); ++i) {
    if (!applied_[i] || applied_[i]->committed_by >= term) continue;
    raft::Index idx(i);
    if (idx == log.snapshot_index) {
      if (log.snapshot_term != applied_[i]->term) {
        fail(now, "leader completeness: leader " + Str(node) + " of term " + Str(term) +
                      " has snapshot " + Str(idx) + "/" + Str(log.snapshot_term) +
                      " but the applied entry there has term " + Str(applied_[i]->term));
        return;
      }
      continue;
    }
    if (idx > log.last_index) {
      fail(now, "leader completeness: leader " + Str(node) + " of term " + Str(term) +
                    " lacks applied entry " + Str(idx) + " (log ends at " + Str(log.last_index) +
                    ")");
      return;
    }
    raft::Term t = log.term_at(idx);
    if (t != applied_[i]->term) {
      fail(now, "leader completeness: leader " + Str(node) + " of term " + Str(term) +
                    " has term " + Str(t) + " at " + Str(idx) + " but term " +
                    Str(applied_[i]->term) + " was applied there");
      return;
    }
  }
}

void SafetyChecker::on_persist(SimTime now, raft::NodeId node, raft::Term prev_term,
                               const std::vector<raft::Entry>& entries) {
  raft::Term prev = prev_term;
  for (const raft::Entry& e : entries) {
    Written w{EntryHash(e), prev};
    auto [it, inserted] = written_.emplace(std::make_pair(e.index.value(), e.term.value()), w);
    if (!inserted) {
      if (it->second.data_hash != w.data_hash) {
        fail(now, "log matching: " + Str(node) + " persisted entry " + Str(e.index) + "/" +
                      Str(e.term) + " with different data than another node");
        return;
      }
      if (it->second.prev_term != w.prev_term) {
        fail(now, "log matching: " + Str(node) + " persisted entry " + Str(e.index) + "/" +
                      Str(e.term) + " after an entry of term " + Str(w.prev_term) +
                      "; another log has term " + Str(it->second.prev_term) + " before it");
        return;
      }
    }
    prev = e.term;
  }
}

void SafetyChecker::on_snapshot(SimTime now, raft::NodeId node,
                                const raft::SnapshotMetadata& meta) {
  auto t = applied_term(meta.index);
  if (t && *t != meta.term) {
    fail(now, "state machine safety: " + Str(node) + " holds snapshot " + Str(meta.index) + "/" +
                  Str(meta.term) + " but term " + Str(*t) + " was applied at that index");
  }
  auto c = confs_.upper_bound(meta.index.value());
  if (c != confs_.begin()) {
    --c;
    if (!(c->second == meta.conf_state)) {
      fail(now, "state machine safety: " + Str(node) + " holds snapshot " + Str(meta.index) +
                    " whose membership differs from the one applied at " +
                    std::to_string(c->first));
    }
  }
}

void SafetyChecker::check_register(SimTime now, raft::NodeId node, const RegisterState& reg,
                                   const char* when) {
  if (reg.count == 0) {
    if (reg.hash != 0) fail(now, "state machine safety: " + Str(node) + " empty register hash");
    return;
  }
  if (reg.count <= reg_hash_.size()) {
    if (reg_hash_[reg.count - 1] != reg.hash) {
      fail(now, "state machine safety: " + Str(node) + " register differs at length " +
                    std::to_string(reg.count) + " " + when);
    }
    return;
  }
  if (reg.count == reg_hash_.size() + 1) {
    reg_hash_.push_back(reg.hash);
    return;
  }
  fail(now, "state machine safety: " + Str(node) + " register jumped to length " +
                std::to_string(reg.count) + " " + when + "; longest known is " +
                std::to_string(reg_hash_.size()));
}

void SafetyChecker::on_restore(SimTime now, raft::NodeId node, raft::Index applied,
                               const RegisterState& reg) {
  node_applied_[node.value()] = applied.value() + 1;
  check_register(now, node, reg, "after restore");
}

void SafetyChecker::on_apply(SimTime now, raft::NodeId node, raft::Term node_term,
                             const raft::Entry& e, const RegisterState& reg) {
  auto na = node_applied_.find(node.value());
  if (na == node_applied_.end()) {
    fail(now, "state machine safety: " + Str(node) + " applied " + Str(e.index) +
                  " before restoring any state");
    return;
  }
  if (na->second != e.index.value()) {
    fail(now, "state machine safety: " + Str(node) + " applied " + Str(e.index) +
                  " but its next index is " + std::to_string(na->second));
    return;
  }
  na->second = e.index.value() + 1;
  uint64_t i = e.index.value();
  if (applied_.size() <= i) applied_.resize(i + 1);
  Applied a{e.term, e.type, EntryHash(e), node_term};
  if (!applied_[i]) {
    applied_[i] = a;
  } else if (applied_[i]->term != a.term || applied_[i]->data_hash != a.data_hash ||
             applied_[i]->type != a.type) {
    fail(now, "state machine safety: " + Str(node) + " applied " + Str(e.index) + "/" +
                  Str(e.term) + " but " + Str(applied_[i]->term) +
                  " was applied at that index before");
    return;
  } else {
    applied_[i]->committed_by = std::min(applied_[i]->committed_by, node_term);
  }
  check_register(now, node, reg, "after apply");
}

void SafetyChecker::on_conf_applied(SimTime now, raft::NodeId node, raft::Index index,
                                    const raft::ConfState& cs) {
  auto [it, inserted] = confs_.emplace(index.value(), cs);
  if (!inserted && !(it->second == cs)) {
    fail(now, "state machine safety: " + Str(node) + " got a different membership at " +
                  Str(index) + " than another node");
  }
}

void SafetyChecker::on_crash(raft::NodeId node) { node_applied_.erase(node.value()); }

raft::Index SafetyChecker::max_applied() const {
  for (size_t i = applied_.size(); i > 0; --i) {
    if (applied_[i - 1]) return raft::Index(i - 1);
  }
  return raft::Index(0);
}

std::optional<raft::Term> SafetyChecker::applied_term(raft::Index i) const {
  if (i.value() >= applied_.size() || !applied_[i.value()]) return std::nullopt;
  return applied_[i.value()]->term;
}

const raft::ConfState* SafetyChecker::latest_conf() const {
  return confs_.empty() ? nullptr : &confs_.rbegin()->second;
}

std::optional<uint64_t> SafetyChecker::register_hash(uint64_t count) const {
  if (count == 0) return 0;
  if (count > reg_hash_.size()) return std::nullopt;
  return reg_hash_[count - 1];
}

}  // namespace strata::sim

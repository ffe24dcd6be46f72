#include "cluster.h"

#include <algorithm>
#include <cstdlib>

#include "commit_safety.h"
#include "prng.h"

namespace strata::sim {
namespace {

std::string Str(raft::NodeId n) {
  std::string s = "n";
  return s.append(std::to_string(n.value()));
}

bool Contains(const std::vector<raft::NodeId>& v, raft::NodeId id) {
  return std::find(v.begin(), v.end(), id) != v.end();
}

bool IsMember(const raft::ConfState& cs, raft::NodeId id) {
  return Contains(cs.voters, id) || Contains(cs.learners, id) || Contains(cs.voters_outgoing, id) ||
         Contains(cs.learners_next, id);
}

}  // namespace

Cluster::Cluster(const ClusterOptions& options, Trace* trace)
    : options_(options),
      trace_(trace != nullptr ? trace : &own_trace_),
      safety_(&violations_),
      history_(&violations_),
      network_(options.network, DeriveSeed(options.seed, 1)),
      clock_rng_(DeriveSeed(options.seed, 5)) {
  STRATA_ASSERT(options.initial_nodes >= 1);
  std::vector<raft::NodeId> voters;
  for (int i = 1; i <= options.initial_nodes; ++i) voters.push_back(raft::NodeId(i));
  membership_.voters = voters;
  membership_index_ = raft::Index(1);
  commit_checked_ = raft::Index(1);
  for (raft::NodeId id : voters) {
    SimNode::Env env{&now_, &safety_, trace_, this};
    auto n = std::make_unique<SimNode>(id, options.node, DeriveSeed(options.seed, 100 + id.value()),
                                       env);
    n->bootstrap(voters);
    nodes_.emplace(id.value(), std::move(n));
  }
  next_id_ = voters.size() + 1;
  for (auto& [id, n] : nodes_) n->start();
  drain_deferred();
}

Cluster::~Cluster() = default;

SimNode* Cluster::node(raft::NodeId id) {
  auto it = nodes_.find(id.value());
  return it == nodes_.end() ? nullptr : it->second.get();
}

std::vector<raft::NodeId> Cluster::ids() const {
  std::vector<raft::NodeId> out;
  for (const auto& [id, n] : nodes_) out.push_back(raft::NodeId(id));
  return out;
}

std::vector<raft::NodeId> Cluster::up_ids() const {
  std::vector<raft::NodeId> out;
  for (const auto& [id, n] : nodes_) {
    if (n->up()) out.push_back(raft::NodeId(id));
  }
  return out;
}

std::vector<raft::NodeId> Cluster::voters() const {
  std::vector<raft::NodeId> out = membership_.voters;
  for (raft::NodeId id : membership_.voters_outgoing) {
    if (!Contains(out, id)) out.push_back(id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void Cluster::set_clock_drift(raft::NodeId id, int64_t rate_per_million) {
  STRATA_ASSERT(rate_per_million >= -1000000 && rate_per_million <= 1000000);
  if (rate_per_million == 0) {
    drift_.erase(id.value());
  } else {
    drift_[id.value()] = rate_per_million;
  }
  trace("clock drift of " + Str(id) + " set to " + std::to_string(rate_per_million) + "ppm");
}

raft::NodeId Cluster::leader() const {
  raft::NodeId best;
  raft::Term best_term;
  for (const auto& [id, n] : nodes_) {
    if (!n->up() || n->raft().role() != raft::Role::kLeader) continue;
    if (best.none() || n->raft().term() > best_term) {
      best = raft::NodeId(id);
      best_term = n->raft().term();
    }
  }
  return best;
}

void Cluster::crashed(SimNode& n) {
  ++stats_.crashes;
  if (listener_ != nullptr) listener_->on_node_down(n.id());
}

void Cluster::crash(raft::NodeId id) {
  SimNode* n = node(id);
  STRATA_ASSERT(n != nullptr && n->up());
  n->crash();
}

void Cluster::restart(raft::NodeId id) {
  SimNode* n = node(id);
  STRATA_ASSERT(n != nullptr && !n->up());
  ++stats_.restarts;
  n->start();
  drain_deferred();
}

raft::NodeId Cluster::add_node() {
  raft::NodeId id(next_id_++);
  SimNode::Env env{&now_, &safety_, trace_, this};
  auto n = std::make_unique<SimNode>(id, options_.node, DeriveSeed(options_.seed, 100 + id.value()),
                                     env);
  SimNode* raw = n.get();
  nodes_.emplace(id.value(), std::move(n));
  ++stats_.nodes_added;
  trace("add empty node " + Str(id));
  raw->start();
  drain_deferred();
  return id;
}

void Cluster::run_tick() {
  now_ = std::max(now_, TickStart(tick_));
  for (raft::NodeId id : ids()) {
    SimNode* n = node(id);  // A decommission may have removed it meanwhile.
    if (n == nullptr || !n->up()) continue;
    int ticks = 1;
    auto d = drift_.find(id.value());
    if (d != drift_.end() && clock_rng_.chance(static_cast<uint64_t>(std::abs(d->second)))) {
      ticks = d->second < 0 ? 0 : 2;
    }
    for (int t = 0; t < ticks && n->up(); ++t) {
      n->tick();
      drain_deferred();
      n = node(id);
      if (n == nullptr) break;
    }
  }
  ++tick_;
  SimTime end = TickStart(tick_);
  while (auto d = network_.next(end)) deliver(std::move(*d));
  now_ = std::max(now_, end);
}

bool Cluster::run_until(const std::function<bool()>& pred, uint64_t max_ticks) {
  for (uint64_t i = 0; i < max_ticks; ++i) {
    if (pred()) return true;
    run_tick();
  }
  return pred();
}

void Cluster::settle(uint64_t max_deliveries) {
  for (uint64_t i = 0; i < max_deliveries; ++i) {
    auto d = network_.next(~SimTime{0});
    if (!d) return;
    deliver(std::move(*d));
  }
}

void Cluster::deliver(Delivery d) {
  now_ = std::max(now_, d.at);
  const raft::Message& m = d.message;
  SimNode* to = node(m.to);
  if (d.dropped != DropReason::kNone || to == nullptr || !to->up()) {
    trace("drop " + Describe(m) + " (" +
          (d.dropped != DropReason::kNone ? std::string(DropReasonName(d.dropped))
                                          : std::string(to == nullptr ? "no such node" : "down")) +
          ")");
    reports_.push_back({m.from, m.to, m.type == raft::MessageType::kSnapshot, false});
    drain_deferred();
    return;
  }
  ++stats_.messages_delivered;
  trace("recv " + Describe(m));
  if (m.type == raft::MessageType::kSnapshot) {
    ++stats_.snapshots_sent;
    reports_.push_back({m.from, m.to, true, true});
  }
  uint64_t installed = to->snapshots_installed();
  Status s = to->step(m);
  if (!s.ok()) {
    ++stats_.step_errors;
    trace(Str(m.to) + " rejected " + Describe(m) + ": " + s.ToString());
  }
  if (to->up()) stats_.snapshots_installed += to->snapshots_installed() - installed;
  drain_deferred();
}

namespace {

// Whether `n`'s disk holds the entry (i, t); a snapshot past i holds it.
bool Holds(const SimNode& n, raft::Index i, raft::Term t) {
  const raft::MemoryStorage& d = n.disk();
  raft::Index boundary = d.first_index() - 1;
  if (i < boundary) return true;
  if (i > d.last_index()) return false;
  auto term = d.term(i);
  return term.ok() && *term == t;
}

}  // namespace

// See commit_safety.h.
void Cluster::check_commit_safety() {
  raft::Index max = safety_.max_applied();
  if (max <= commit_checked_) return;
  std::vector<LogTip> tips;
  for (raft::Index i = commit_checked_ + 1; i <= max; ++i) {
    auto t = safety_.applied_term(i);
    if (!t) continue;
    tips.clear();
    for (raft::NodeId v : voters()) {
      SimNode* n = node(v);
      if (n == nullptr) continue;
      const raft::MemoryStorage& d = n->disk();
      auto last_term = d.term(d.last_index());
      tips.push_back(
          {v, Holds(*n, i, *t), last_term.ok() ? *last_term : raft::Term(0), d.last_index()});
    }
    std::string why = ElectableWithout(tips, membership_);
    if (!why.empty()) {
      violations_.add(now_, "commit safety: entry " + std::to_string(i.value()) + "/" +
                                std::to_string(t->value()) + " was applied, but " + why);
      break;
    }
  }
  commit_checked_ = max;
}

void Cluster::drain_deferred() {
  check_commit_safety();
  while (!reports_.empty() || !shutdowns_.empty()) {
    std::vector<Report> reports;
    reports.swap(reports_);
    for (const Report& r : reports) {
      SimNode* n = node(r.sender);
      if (n == nullptr || !n->up()) continue;
      if (r.snapshot) {
        n->report_snapshot(r.peer, r.ok);
      } else {
        n->report_unreachable(r.peer);
      }
    }
    std::vector<raft::NodeId> shutdowns;
    shutdowns.swap(shutdowns_);
    for (raft::NodeId id : shutdowns) {
      auto it = nodes_.find(id.value());
      if (it == nodes_.end()) continue;
      trace("decommission removed node " + Str(id));
      if (it->second->up()) it->second->crash();
      nodes_.erase(it);
      removed_.insert(id.value());
      ++stats_.nodes_removed;
    }
  }
}

void Cluster::send(SimNode& from, raft::Message m) {
  STRATA_ASSERT(m.from == from.id());
  std::string what = trace_->on() ? Describe(m) : std::string();
  raft::NodeId to = m.to;
  bool snapshot = m.type == raft::MessageType::kSnapshot;
  DropReason r = network_.send(now_, std::move(m));
  if (r == DropReason::kNone) {
    trace("send " + what);
    return;
  }
  trace("lost " + what + " (" + std::string(DropReasonName(r)) + ")");
  if (r == DropReason::kPartition || snapshot) reports_.push_back({from.id(), to, snapshot, false});
}

void Cluster::applied_command(SimNode& node, const std::string& cmd, uint64_t position) {
  history_.on_position(now_, position, cmd);
  if (listener_ != nullptr) listener_->on_applied(node.id(), cmd, position);
}

void Cluster::applied_conf(SimNode&, raft::Index index, const raft::ConfState& cs) {
  if (index <= membership_index_) return;
  raft::ConfState before = membership_;
  membership_ = cs;
  membership_index_ = index;
  for (const auto& [id, n] : nodes_) {
    raft::NodeId nid(id);
    if (IsMember(before, nid) && !IsMember(cs, nid) && options_.decommission_removed) {
      shutdowns_.push_back(nid);
    }
  }
}

void Cluster::read_state(SimNode& node, const raft::ReadState& rs) {
  if (listener_ != nullptr) listener_->on_read_state(node.id(), rs);
}

std::string Cluster::Describe(const raft::Message& m) {
  std::string s = Str(m.from) + "->" + Str(m.to) + " " +
                  std::string(raft::MessageTypeName(m.type)) + " t" +
                  std::to_string(m.term.value());
  switch (m.type) {
    case raft::MessageType::kAppend:
      s += " prev " + std::to_string(m.index.value()) + "/" + std::to_string(m.log_term.value()) +
           " +" + std::to_string(m.entries.size()) + " commit " + std::to_string(m.commit.value());
      break;
    case raft::MessageType::kAppendResponse:
      s += " index " + std::to_string(m.index.value());
      if (m.reject) s += " reject hint " + std::to_string(m.reject_hint.value());
      break;
    case raft::MessageType::kVote:
    case raft::MessageType::kPreVote:
      s += " last " + std::to_string(m.index.value()) + "/" + std::to_string(m.log_term.value());
      if (!m.context.empty()) s += " (" + m.context + ")";
      break;
    case raft::MessageType::kVoteResponse:
    case raft::MessageType::kPreVoteResponse:
    case raft::MessageType::kReadIndexResponse:
      s += m.reject ? " reject" : " grant";
      if (m.type == raft::MessageType::kReadIndexResponse) {
        s += " index " + std::to_string(m.index.value()) + " " + m.context;
      }
      break;
    case raft::MessageType::kSnapshot:
      if (m.snapshot) {
        s += " snap " + std::to_string(m.snapshot->metadata.index.value()) + "/" +
             std::to_string(m.snapshot->metadata.term.value());
      }
      break;
    case raft::MessageType::kHeartbeat:
      s += " commit " + std::to_string(m.commit.value());
      break;
    case raft::MessageType::kReadIndex:
      s += " " + m.context;
      break;
    case raft::MessageType::kHeartbeatResponse:
    case raft::MessageType::kTimeoutNow:
      break;
  }
  return s;
}

}  // namespace strata::sim

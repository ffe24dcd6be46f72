// A simulated cluster: replicas (SimNode), the network between them, the
// virtual clock and the safety checkers, wired together.
//
// Time advances one tick per run_tick(): every live node ticks at the start of
// the tick, then the network delivers, in order, every message due before the
// next tick (messages sent meanwhile may be delivered within the same tick).
// Every event feeds the checkers immediately.
//
// Besides the SafetyChecker's invariants, the cluster checks commit safety
// when an index is first applied (see check_commit_safety).
//
// The cluster acts as the nodes' transport: it reports unreachable peers and
// snapshot outcomes back to senders, and it shuts down a node as soon as a
// membership change that removes it is applied (the operator's decommission).
//
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "history_checker.h"
#include "network.h"
#include "node.h"
#include "prng.h"
#include "safety_checker.h"
#include "trace.h"
#include "violations.h"

namespace strata::sim {

struct ClusterOptions {
  uint64_t seed = 1;
  // Initial voters, ids 1..initial_nodes. REQUIRES: >= 1.
  int initial_nodes = 3;
  NodeOptions node;
  NetworkOptions network;
  // Shut a node down once a membership change removing it is applied
  // anywhere (the operator decommissions it). Default: true.
  bool decommission_removed = true;
};

// Hooks for a workload (clients). Called from inside a node's Ready loop: do
// not call into nodes from them.
class ClusterListener {
 public:
  virtual ~ClusterListener() = default;
  virtual void on_applied(raft::NodeId node, const std::string& cmd, uint64_t position) = 0;
  virtual void on_read_state(raft::NodeId node, const raft::ReadState& rs) = 0;
  virtual void on_node_down(raft::NodeId node) = 0;
};

struct ClusterStats {
  uint64_t crashes = 0;
  uint64_t restarts = 0;
  uint64_t nodes_added = 0;
  uint64_t nodes_removed = 0;
  uint64_t snapshots_sent = 0;
  uint64_t snapshots_installed = 0;
  uint64_t messages_delivered = 0;
  uint64_t step_errors = 0;
};

class Cluster final : private NodeEvents {
 public:
  // `trace` (if given) must outlive the cluster; without one nothing is traced.
  explicit Cluster(const ClusterOptions& options, Trace* trace = nullptr);
  ~Cluster() override;

  const ClusterOptions& options() const { return options_; }
  SimTime now() const { return now_; }
  uint64_t ticks() const { return tick_; }

  // Runs one tick (see above).
  void run_tick();
  // Runs ticks until pred() holds (checked before each tick) or max_ticks
  // passed. Returns pred().
  bool run_until(const std::function<bool()>& pred, uint64_t max_ticks);
  // Delivers every message in flight, and those they cause, without ticking
  // (at most max_deliveries). For scripted scenarios.
  void settle(uint64_t max_deliveries = 100000);

  // Nodes. Ids of removed nodes are never reused.
  SimNode* node(raft::NodeId id);
  SimNode* node(uint64_t id) { return node(raft::NodeId(id)); }
  std::vector<raft::NodeId> ids() const;     // Existing (not removed), ascending.
  std::vector<raft::NodeId> up_ids() const;  // Existing and up.
  bool removed(raft::NodeId id) const { return removed_.count(id.value()) > 0; }
  void crash(raft::NodeId id);
  void restart(raft::NodeId id);
  // Creates and starts an empty node with a fresh id (not a member yet: it
  // learns everything from the leader once a conf change adds it).
  raft::NodeId add_node();
  // The id add_node() will use next.
  raft::NodeId next_id() const { return raft::NodeId(next_id_); }
  // Clock drift: node `id` skips a tick with probability -rate (rate < 0) or
  // ticks twice with probability rate (rate > 0), per million. 0: no drift.
  void set_clock_drift(raft::NodeId id, int64_t rate_per_million);
  // The live leader with the highest term, or kNoNode.
  raft::NodeId leader() const;
  // Membership after the newest conf change any node applied (initially the
  // bootstrap voters).
  const raft::ConfState& membership() const { return membership_; }
  // Voters of the newest membership (both halves of a joint one).
  std::vector<raft::NodeId> voters() const;

  Network& network() { return network_; }
  Violations& violations() { return violations_; }
  SafetyChecker& safety() { return safety_; }
  HistoryChecker& history() { return history_; }
  Trace& trace() { return *trace_; }
  const ClusterStats& stats() const { return stats_; }
  void set_listener(ClusterListener* l) { listener_ = l; }

  // A one-line description of a message for traces.
  static std::string Describe(const raft::Message& m);

 private:
  // NodeEvents.
  void send(SimNode& from, raft::Message m) override;
  void applied_command(SimNode& node, const std::string& cmd, uint64_t position) override;
  void applied_conf(SimNode& node, raft::Index index, const raft::ConfState& cs) override;
  void read_state(SimNode& node, const raft::ReadState& rs) override;
  void crashed(SimNode& node) override;

  void deliver(Delivery d);
  // Checks commit safety (commit_safety.h) for indexes newly applied.
  void check_commit_safety();
  // Runs deferred reports and shutdowns; call after every event.
  void drain_deferred();
  void trace(const std::string& text) {
    if (trace_->on()) trace_->add(now_, text);
  }

  ClusterOptions options_;
  Trace own_trace_;  // Used when no trace is given: records nothing.
  Trace* trace_;
  SimTime now_ = 0;
  uint64_t tick_ = 0;
  Violations violations_;
  SafetyChecker safety_;
  HistoryChecker history_;
  Network network_;
  std::map<uint64_t, std::unique_ptr<SimNode>> nodes_;
  std::set<uint64_t> removed_;
  std::map<uint64_t, int64_t> drift_;  // node -> rate per million
  Prng clock_rng_;
  uint64_t next_id_ = 1;
  raft::ConfState membership_;
  raft::Index membership_index_;
  raft::Index commit_checked_;
  ClusterListener* listener_ = nullptr;
  ClusterStats stats_;

  struct Report {
    raft::NodeId sender;
    raft::NodeId peer;
    bool snapshot;  // report_snapshot(peer, ok) rather than report_unreachable.
    bool ok;
  };
  std::vector<Report> reports_;
  std::vector<raft::NodeId> shutdowns_;
  std::vector<raft::NodeId> crashed_inside_;  // Nodes an armed crash took down.
};

}  // namespace strata::sim

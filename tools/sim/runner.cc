#include "runner.h"

#include <algorithm>

namespace strata::sim {
namespace {

ClusterOptions DrawCluster(const RunOptions& o, Prng& rng) {
  ClusterOptions c;
  c.seed = o.seed;
  c.initial_nodes = o.nodes;
  NodeOptions& n = c.node;
  n.election_ticks = static_cast<int>(rng.range(6, 16));
  n.heartbeat_ticks = static_cast<int>(rng.range(1, 3));
  n.pre_vote = !rng.one_in(4);
  n.check_quorum = !rng.one_in(4);
  static constexpr uint64_t kAppendBytes[] = {1, 1, 30, 80, 4096, 1 << 20};
  n.max_append_bytes = kAppendBytes[rng.uniform(6)];
  static constexpr int kInflight[] = {1, 4, 256};
  n.max_inflight_appends = kInflight[rng.uniform(3)];
  n.snapshot_interval = rng.one_in(4) ? 0 : rng.range(4, 60);
  n.compact_keep = rng.range(0, 5);
  NetworkOptions& net = c.network;
  net.delay_min = rng.range(20, 200);
  net.delay_max = net.delay_min + rng.range(100, 2000);
  net.drop_per_million = rng.one_in(3) ? 0 : rng.range(0, 30000);
  net.duplicate_per_million = rng.one_in(2) ? 0 : rng.range(0, 20000);
  net.reorder_per_million = rng.one_in(2) ? 0 : rng.range(0, 50000);
  return c;
}

std::string Knobs(const ClusterOptions& c, const NemesisOptions& nem) {
  const NodeOptions& n = c.node;
  const NetworkOptions& net = c.network;
  return "nodes=" + std::to_string(c.initial_nodes) +
         " election_ticks=" + std::to_string(n.election_ticks) +
         " heartbeat_ticks=" + std::to_string(n.heartbeat_ticks) +
         " pre_vote=" + std::to_string(n.pre_vote) +
         " check_quorum=" + std::to_string(n.check_quorum) +
         " max_append_bytes=" + std::to_string(n.max_append_bytes) +
         " inflight=" + std::to_string(n.max_inflight_appends) +
         " snapshot_interval=" + std::to_string(n.snapshot_interval) +
         " keep=" + std::to_string(n.compact_keep) + " delay=" + std::to_string(net.delay_min) +
         ".." + std::to_string(net.delay_max) + " drop=" + std::to_string(net.drop_per_million) +
         "ppm dup=" + std::to_string(net.duplicate_per_million) +
         "ppm reorder=" + std::to_string(net.reorder_per_million) +
         "ppm faults=" + std::to_string(nem.fault_per_million) + "ppm/tick";
}

// The heal phase's goal: a leader among the voters, every voter up, and every
// acknowledged write applied on every voter.
bool Converged(Cluster& c, std::string* why) {
  raft::NodeId leader = c.leader();
  auto voters = c.voters();
  if (leader.none() || std::find(voters.begin(), voters.end(), leader) == voters.end()) {
    *why = "no leader among the voters";
    return false;
  }
  uint64_t need = c.history().max_acked_position();
  for (raft::NodeId v : voters) {
    SimNode* n = c.node(v);
    if (n == nullptr || !n->up()) {
      *why = "voter n" + std::to_string(v.value()) + " is not up";
      return false;
    }
    if (n->reg().state().count < need) {
      *why = "voter n" + std::to_string(v.value()) + " applied " +
             std::to_string(n->reg().state().count) + " commands, " + std::to_string(need) +
             " acknowledged";
      return false;
    }
  }
  return true;
}

}  // namespace

RunResult RunSeed(const RunOptions& o, Trace* trace) {
  STRATA_ASSERT(o.nodes >= 1 && o.nodes <= 7);
  Prng knobs(DeriveSeed(o.seed, 2));
  ClusterOptions co = DrawCluster(o, knobs);
  NemesisOptions nem_opts = o.nemesis ? *o.nemesis : DefaultNemesisOptions();
  if (!o.nemesis) nem_opts.fault_per_million = knobs.range(20000, 120000);
  WorkloadOptions wo;
  wo.clients = static_cast<int>(knobs.range(1, 4));
  wo.op_per_million = knobs.range(100000, 900000);
  wo.read_per_million = knobs.range(0, 500000);
  wo.timeout_ticks = static_cast<uint64_t>(co.node.election_ticks) * 6;

  RunResult result;
  result.seed = o.seed;
  result.knobs = Knobs(co, nem_opts);
  if (trace->on()) trace->add(0, "seed " + std::to_string(o.seed) + ": " + result.knobs);

  Cluster cluster(co, trace);
  Workload workload(wo, DeriveSeed(o.seed, 3), &cluster);
  Nemesis nemesis(nem_opts, DeriveSeed(o.seed, 4));

  // Fault phase.
  for (uint64_t i = 0; i < o.steps && !cluster.violations().any(); ++i) {
    nemesis.step(cluster);
    workload.step(true);
    cluster.run_tick();
    ++result.steps;
  }

  // Heal phase: no more faults; the cluster must converge within the bound.
  if (!cluster.violations().any()) {
    if (trace->on()) trace->add(cluster.now(), "heal: faults off, network healed, all nodes up");
    nemesis.heal(cluster);
    NetworkOptions calm = co.network;
    calm.drop_per_million = 0;
    calm.duplicate_per_million = 0;
    calm.reorder_per_million = 0;
    calm.delay_max = std::min<SimTime>(calm.delay_max, 1000);
    calm.delay_min = std::min(calm.delay_min, calm.delay_max);
    cluster.network().set_options(calm);
    cluster.network().heal();
    for (raft::NodeId id : cluster.ids()) {
      if (!cluster.node(id)->up()) cluster.restart(id);
    }
    // Bounded liveness: the cluster must keep making progress (a new leader,
    // or some voter applying more) at least every `stall` ticks, and must
    // converge within `cap` ticks in all. A laggard fed one entry per round
    // trip may need many ticks; a stuck cluster fails quickly.
    const uint64_t stall = 40 * static_cast<uint64_t>(co.node.election_ticks) + 100;
    const uint64_t cap = 20000;
    std::string why;
    bool done = false;
    uint64_t last_progress = 0, signature = 0;
    uint64_t i = 0;
    for (; i < cap && i - last_progress < stall && !cluster.violations().any(); ++i) {
      // Let in-flight operations finish, issue none.
      workload.step(false);
      if (workload.idle() && Converged(cluster, &why)) {
        done = true;
        break;
      }
      uint64_t sig = cluster.leader().value();
      for (raft::NodeId v : cluster.voters()) {
        SimNode* n = cluster.node(v);
        if (n != nullptr && n->up()) sig = sig * 0x9e3779b97f4a7c15ULL + n->applied().value();
      }
      if (sig != signature) {
        signature = sig;
        last_progress = i;
      }
      // An explicit joint config is left by the operator.
      raft::NodeId l = cluster.leader();
      if (!l.none()) {
        SimNode* n = cluster.node(l);
        raft::ConfState cs = n->raft().status().conf_state;
        if (cs.joint() && !cs.auto_leave) (void)n->propose_conf_change(raft::ConfChange{});
      }
      cluster.run_tick();
      ++result.steps;
    }
    if (!done && !cluster.violations().any()) {
      std::string reason;
      if (Converged(cluster, &reason)) reason = "client operations still in flight";
      cluster.violations().add(cluster.now(), "liveness: not converged after healing (" +
                                                  std::to_string(i) + " ticks, no progress for " +
                                                  std::to_string(i - last_progress) +
                                                  "): " + reason);
    } else if (done && trace->on()) {
      trace->add(cluster.now(), "heal: converged; leader n" +
                                    std::to_string(cluster.leader().value()) + ", " +
                                    std::to_string(cluster.history().max_acked_position()) +
                                    " acknowledged commands on every voter");
    }
  }

  result.elections = cluster.safety().elections();
  result.violations = cluster.violations().list();
  auto& k = result.counters;
  for (const auto& [name, v] : nemesis.counters()) k["fault." + name] += v;
  const WorkloadStats& ws = workload.stats();
  k["writes.invoked"] += ws.writes_invoked;
  k["writes.acked"] += ws.writes_acked;
  k["writes.indeterminate"] += ws.writes_indeterminate;
  k["writes.not-leader"] += ws.not_leader;
  k["reads.invoked"] += ws.reads_invoked;
  k["reads.checked"] += cluster.history().reads_checked();
  k["reads.abandoned"] += ws.reads_abandoned;
  const ClusterStats& cs = cluster.stats();
  k["nodes.crashes"] += cs.crashes;
  k["nodes.restarts"] += cs.restarts;
  k["nodes.added"] += cs.nodes_added;
  k["nodes.removed"] += cs.nodes_removed;
  k["snapshots.sent"] += cs.snapshots_sent;
  k["snapshots.installed"] += cs.snapshots_installed;
  k["messages.delivered"] += cs.messages_delivered;
  k["messages.step-errors"] += cs.step_errors;
  k["max.applied-index"] = cluster.safety().max_applied().value();
  return result;
}

}  // namespace strata::sim

#include "scenario_util.h"

namespace strata::sim::scenario {

ClusterOptions QuietOptions(int nodes) {
  ClusterOptions o;
  o.seed = 1;
  o.initial_nodes = nodes;
  o.node.election_ticks = 10;
  o.node.heartbeat_ticks = 1;
  o.node.pre_vote = false;
  o.node.check_quorum = false;
  o.network.delay_min = 100;
  o.network.delay_max = 100;
  return o;
}

bool Elect(Cluster& c, raft::NodeId who, int attempts) {
  for (int i = 0; i < attempts; ++i) {
    SimNode* n = c.node(who);
    if (n == nullptr || !n->up()) return false;
    (void)n->campaign();
    c.settle();
    if (n->up() && n->raft().role() == raft::Role::kLeader) return true;
  }
  return false;
}

std::optional<raft::Entry> EntryAt(SimNode& n, raft::Index i) {
  if (i < n.disk().first_index() || i > n.disk().last_index()) return std::nullopt;
  auto es = n.disk().entries(i, i + 1, ~uint64_t{0});
  if (!es.ok() || es->empty()) return std::nullopt;
  return es->front();
}

raft::Term TermAt(SimNode& n, raft::Index i) {
  auto t = n.disk().term(i);
  return t.ok() ? *t : raft::Term(0);
}

bool Write(Cluster& c, raft::NodeId who, const std::string& cmd, uint64_t max_ticks) {
  SimNode* n = c.node(who);
  if (n == nullptr || !n->up()) return false;
  c.history().on_write_invoke(c.now(), cmd);
  if (!n->propose(cmd).ok()) return false;
  raft::Index index = n->raft().last_index();
  bool ok = c.run_until([&] { return !n->up() || n->applied() >= index; }, max_ticks) && n->up() &&
            n->reg().last() == cmd;
  if (ok) c.history().on_write_ack(c.now(), cmd);
  return ok;
}

void Isolate(Cluster& c, raft::NodeId n) { c.network().isolate(n, c.ids()); }

std::string FirstViolation(Cluster& c) {
  return c.violations().any() ? c.violations().list().front().what : "";
}

}  // namespace strata::sim::scenario

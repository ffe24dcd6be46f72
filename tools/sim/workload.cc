#include "workload.h"

namespace strata::sim {

Workload::Workload(const WorkloadOptions& options, uint64_t seed, Cluster* cluster)
    : options_(options), rng_(seed), cluster_(cluster) {
  STRATA_ASSERT(options.clients >= 1 && options.timeout_ticks > 0);
  for (int i = 1; i <= options.clients; ++i) clients_.push_back(Client{i, 0, {}, {}});
  cluster_->set_listener(this);
}

Workload::~Workload() { cluster_->set_listener(nullptr); }

bool Workload::idle() const {
  for (const Client& c : clients_) {
    if (c.op) return false;
  }
  return true;
}

void Workload::retarget(Client& c, raft::NodeId hint) {
  if (!hint.none() && cluster_->node(hint) != nullptr) {
    c.target = hint;
    return;
  }
  auto up = cluster_->up_ids();
  c.target = up.empty() ? raft::NodeId() : up[rng_.uniform(up.size())];
}

void Workload::step(bool issue) {
  for (size_t i = 0; i < clients_.size(); ++i) {
    Client& c = clients_[i];
    if (c.op) {
      maybe_complete_read(c);
      if (c.op && cluster_->ticks() >= c.op->deadline_tick) finish(c, true);
      continue;
    }
    if (issue && rng_.chance(options_.op_per_million)) start_op(c);
  }
}

void Workload::start_op(Client& c) {
  SimNode* n = cluster_->node(c.target);
  if (n == nullptr || !n->up()) {
    retarget(c, raft::NodeId());
    n = cluster_->node(c.target);
    if (n == nullptr || !n->up()) return;
  }
  Op op;
  op.read = rng_.chance(options_.read_per_million);
  op.node = c.target;
  op.deadline_tick = cluster_->ticks() + options_.timeout_ticks;
  ++c.seq;
  op.tag = op.read ? "r" : "c";
  op.tag.append(std::to_string(c.id)).append("-").append(std::to_string(c.seq));
  HistoryChecker& h = cluster_->history();
  size_t index = static_cast<size_t>(&c - clients_.data());
  Status s;
  if (op.read) {
    ++stats_.reads_invoked;
    op.read_id = h.on_read_invoke(cluster_->now());
    c.op = op;
    by_tag_[op.tag] = index;
    s = n->read_index(op.tag);
  } else {
    ++stats_.writes_invoked;
    h.on_write_invoke(cluster_->now(), op.tag);
    c.op = op;
    by_tag_[op.tag] = index;
    s = n->propose(op.tag);
  }
  if (cluster_->trace().on()) {
    cluster_->trace().add(cluster_->now(), "client " + std::to_string(c.id) + " " +
                                               (op.read ? "read " : "write ") + op.tag + " at n" +
                                               std::to_string(op.node.value()) + ": " +
                                               s.ToString());
  }
  if (!s.ok()) {
    if (s.Is(StatusCode::kNotLeader)) ++stats_.not_leader;
    raft::NodeId hint = n->up() ? n->raft().leader() : raft::NodeId();
    // A refused write never entered the log: it simply did not happen.
    if (c.op) finish(c, true);
    retarget(c, hint);
  }
}

void Workload::finish(Client& c, bool abandoned) {
  STRATA_ASSERT(c.op.has_value());
  if (abandoned) {
    if (c.op->read) {
      ++stats_.reads_abandoned;
      cluster_->history().on_read_abandon(c.op->read_id);
    } else {
      ++stats_.writes_indeterminate;
    }
    // Whoever we talked to is slow or gone: try someone else next time.
    SimNode* n = cluster_->node(c.op->node);
    retarget(c, n != nullptr && n->up() ? n->raft().leader() : raft::NodeId());
  }
  by_tag_.erase(c.op->tag);
  c.op.reset();
}

void Workload::maybe_complete_read(Client& c) {
  if (!c.op || !c.op->read || !c.op->read_index) return;
  SimNode* n = cluster_->node(c.op->node);
  if (n == nullptr || !n->up() || n->applied() < *c.op->read_index) return;
  ++stats_.reads_completed;
  uint64_t observed = n->reg().state().count;
  if (cluster_->trace().on()) {
    cluster_->trace().add(cluster_->now(), "client " + std::to_string(c.id) + " read " + c.op->tag +
                                               " done at n" + std::to_string(c.op->node.value()) +
                                               ": length " + std::to_string(observed));
  }
  cluster_->history().on_read_complete(cluster_->now(), c.op->read_id, observed);
  finish(c, false);
}

void Workload::on_applied(raft::NodeId node, const std::string& cmd, uint64_t) {
  auto it = by_tag_.find(cmd);
  if (it != by_tag_.end()) {
    Client& c = clients_[it->second];
    if (c.op && !c.op->read && c.op->node == node) {
      ++stats_.writes_acked;
      if (cluster_->trace().on()) {
        cluster_->trace().add(cluster_->now(),
                              "client " + std::to_string(c.id) + " write " + cmd + " acked");
      }
      cluster_->history().on_write_ack(cluster_->now(), cmd);
      finish(c, false);
    }
  }
  // A node that applied more may now serve reads waiting on it.
  for (Client& c : clients_) {
    if (c.op && c.op->read && c.op->node == node) maybe_complete_read(c);
  }
}

void Workload::on_read_state(raft::NodeId node, const raft::ReadState& rs) {
  auto it = by_tag_.find(rs.request_ctx);
  if (it == by_tag_.end()) return;
  Client& c = clients_[it->second];
  if (!c.op || !c.op->read || c.op->node != node) return;
  c.op->read_index = rs.index;
  maybe_complete_read(c);
}

void Workload::on_node_down(raft::NodeId node) {
  for (Client& c : clients_) {
    if (c.op && c.op->node == node) finish(c, true);
  }
}

}  // namespace strata::sim

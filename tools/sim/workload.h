// The client workload: a few clients, each with at most one operation in
// flight, writing unique commands ("c<client>-<seq>") and issuing ReadIndex
// reads, recording every invocation and completion in the HistoryChecker.
//
// A write goes to the node the client believes leads; kNotLeader sends the
// client to that node's idea of the leader (or a random node) for its next
// attempt, which is a new command. A write is acknowledged when the node that
// took it applies it; it becomes indeterminate (never acknowledged) if that
// node crashes or the client times out. A read completes on the node that
// asked once a read state for it arrived and the node applied up to its index;
// it observes the node's register length.
//
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cluster.h"
#include "prng.h"

namespace strata::sim {

struct WorkloadOptions {
  int clients = 3;
  // Chance per tick (per million) that an idle client starts an operation.
  uint64_t op_per_million = 500000;
  // Share of operations that are reads (per million).
  uint64_t read_per_million = 300000;
  // An operation not completed within this many ticks is given up.
  uint64_t timeout_ticks = 60;
};

struct WorkloadStats {
  uint64_t writes_invoked = 0;
  uint64_t writes_acked = 0;
  uint64_t writes_indeterminate = 0;
  uint64_t not_leader = 0;
  uint64_t reads_invoked = 0;
  uint64_t reads_completed = 0;
  uint64_t reads_abandoned = 0;
};

class Workload final : public ClusterListener {
 public:
  Workload(const WorkloadOptions& options, uint64_t seed, Cluster* cluster);
  ~Workload() override;

  // One tick of client activity: time out, complete reads, start new ops.
  // When `issue` is false no new operations start.
  void step(bool issue);
  // True when no operation is in flight.
  bool idle() const;
  const WorkloadStats& stats() const { return stats_; }

  // ClusterListener.
  void on_applied(raft::NodeId node, const std::string& cmd, uint64_t position) override;
  void on_read_state(raft::NodeId node, const raft::ReadState& rs) override;
  void on_node_down(raft::NodeId node) override;

 private:
  struct Op {
    bool read = false;
    std::string tag;  // The command, or the read's request context.
    raft::NodeId node;
    uint64_t deadline_tick = 0;
    uint64_t read_id = 0;
    std::optional<raft::Index> read_index;
  };
  struct Client {
    int id = 0;
    uint64_t seq = 0;
    raft::NodeId target;
    std::optional<Op> op;
  };
  void start_op(Client& c);
  void finish(Client& c, bool abandoned);
  void maybe_complete_read(Client& c);
  void retarget(Client& c, raft::NodeId hint);

  WorkloadOptions options_;
  Prng rng_;
  Cluster* cluster_;
  std::vector<Client> clients_;
  std::unordered_map<std::string, size_t> by_tag_;  // In-flight op tag -> client.
  WorkloadStats stats_;
};

}  // namespace strata::sim

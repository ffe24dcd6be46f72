// The simulated network between replicas.
//
// Every message gets a random delivery instant (sub-tick resolution), so
// messages are delayed and reordered; some are dropped or duplicated, as the
// options say. Links can be cut one way or both ways (partitions, isolating a
// node) and healed. A cut applies both when a message is sent and when it is
// due: a message in flight when a partition forms is lost.
//
// The network is a pure function of its seed and the calls made on it.
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_set>
#include <vector>

#include "prng.h"
#include "raft/types.h"
#include "sim_time.h"

namespace strata::sim {

struct NetworkOptions {
  // Each message is delivered after a delay uniform in [delay_min, delay_max]
  // sub-ticks. REQUIRES: 0 < delay_min <= delay_max. Default: 0.05 to 1.5 ticks.
  SimTime delay_min = 50;
  SimTime delay_max = 1500;
  // Probability (per million) that a message is lost. Default: 0.
  uint64_t drop_per_million = 0;
  // Probability (per million) that a message is delivered twice. Default: 0.
  uint64_t duplicate_per_million = 0;
  // Probability (per million) that a message is held back by up to
  // reorder_delay_max extra sub-ticks, overtaking later ones. Default: 0.
  uint64_t reorder_per_million = 0;
  SimTime reorder_delay_max = 5000;
  // Messages in flight beyond this bound are dropped. Default: 200000.
  size_t max_in_flight = 200000;
};

// Why a message did not arrive.
enum class DropReason : uint8_t { kNone, kPartition, kLoss, kOverflow, kFilter };
std::string_view DropReasonName(DropReason r);

struct Delivery {
  SimTime at = 0;
  raft::Message message;
  // kNone: deliver it. Otherwise the message was lost in flight (a partition
  // formed while it travelled) and is returned only so the caller can tell.
  DropReason dropped = DropReason::kNone;
};

struct NetworkStats {
  uint64_t sent = 0;
  uint64_t delivered = 0;
  uint64_t dropped = 0;
  uint64_t duplicated = 0;
};

class Network {
 public:
  Network(const NetworkOptions& options, uint64_t seed);

  const NetworkOptions& options() const { return options_; }
  // Changes loss, delay and duplication from now on (messages in flight keep
  // their delivery instants).
  void set_options(const NetworkOptions& options);

  // Queues `m` (from m.from to m.to) for delivery. Returns why it was dropped
  // at once, or kNone when it is in flight.
  DropReason send(SimTime now, raft::Message m);
  // Removes and returns the earliest message due strictly before `until`, or
  // nullopt. Ties are broken by send order.
  std::optional<Delivery> next(SimTime until);
  // Drops every message in flight (e.g. when the whole cluster is reset).
  void clear();
  size_t in_flight() const { return queue_.size(); }

  // Cuts the link from -> to (one way). It is not an error to cut twice.
  void cut(raft::NodeId from, raft::NodeId to);
  // Cuts both directions between every node in `a` and every node in `b`.
  void partition(const std::vector<raft::NodeId>& a, const std::vector<raft::NodeId>& b);
  // Cuts both directions between `n` and every node in `others`.
  void isolate(raft::NodeId n, const std::vector<raft::NodeId>& others);
  // Restores every link.
  void heal();
  bool connected(raft::NodeId from, raft::NodeId to) const;
  bool any_cut() const { return !cut_.empty(); }

  // Scenario hook: messages for which the filter returns true are dropped
  // (at send time). Empty: none.
  void set_drop_filter(std::function<bool(const raft::Message&)> filter) {
    filter_ = std::move(filter);
  }

  const NetworkStats& stats() const { return stats_; }

 private:
  struct Item {
    SimTime at;
    uint64_t seq;
    raft::Message message;
  };
  struct Later {
    bool operator()(const Item& a, const Item& b) const {
      return a.at != b.at ? a.at > b.at : a.seq > b.seq;
    }
  };
  static uint64_t LinkKey(raft::NodeId from, raft::NodeId to) {
    return (from.value() << 32) ^ to.value();
  }
  void enqueue(SimTime now, raft::Message m);

  NetworkOptions options_;
  Prng rng_;
  uint64_t next_seq_ = 0;
  std::vector<Item> queue_;  // A min-heap under Later.
  std::unordered_set<uint64_t> cut_;
  std::function<bool(const raft::Message&)> filter_;
  NetworkStats stats_;
};

}  // namespace strata::sim

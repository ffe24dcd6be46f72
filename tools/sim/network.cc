#include "network.h"

#include <algorithm>

namespace strata::sim {

std::string_view DropReasonName(DropReason r) {
  switch (r) {
    case DropReason::kNone:
      return "none";
    case DropReason::kPartition:
      return "partition";
    case DropReason::kLoss:
      return "loss";
    case DropReason::kOverflow:
      return "overflow";
    case DropReason::kFilter:
      return "filter";
  }
  return "unknown";
}

Network::Network(const NetworkOptions& options, uint64_t seed) : rng_(seed) {
  set_options(options);
}

void Network::set_options(const NetworkOptions& options) {
  STRATA_ASSERT(options.delay_min > 0 && options.delay_min <= options.delay_max);
  STRATA_ASSERT(options.drop_per_million <= 1000000);
  STRATA_ASSERT(options.max_in_flight > 0);
  options_ = options;
}

DropReason Network::send(SimTime now, raft::Message m) {
  ++stats_.sent;
  DropReason reason = DropReason::kNone;
  if (!connected(m.from, m.to)) {
    reason = DropReason::kPartition;
  } else if (filter_ && filter_(m)) {
    reason = DropReason::kFilter;
  } else if (options_.drop_per_million > 0 && rng_.chance(options_.drop_per_million)) {
    reason = DropReason::kLoss;
  } else if (queue_.size() >= options_.max_in_flight) {
    reason = DropReason::kOverflow;
  }
  if (reason != DropReason::kNone) {
    ++stats_.dropped;
    return reason;
  }
  if (options_.duplicate_per_million > 0 && rng_.chance(options_.duplicate_per_million)) {
    ++stats_.duplicated;
    enqueue(now, m);
  }
  enqueue(now, std::move(m));
  return DropReason::kNone;
}

void Network::enqueue(SimTime now, raft::Message m) {
  SimTime delay = rng_.range(options_.delay_min, options_.delay_max);
  if (options_.reorder_per_million > 0 && rng_.chance(options_.reorder_per_million)) {
    delay += rng_.range(0, options_.reorder_delay_max);
  }
  queue_.push_back(Item{now + delay, next_seq_++, std::move(m)});
  std::push_heap(queue_.begin(), queue_.end(), Later{});
}

std::optional<Delivery> Network::next(SimTime until) {
  if (queue_.empty() || queue_.front().at >= until) return std::nullopt;
  std::pop_heap(queue_.begin(), queue_.end(), Later{});
  Item item = std::move(queue_.back());
  queue_.pop_back();
  Delivery d{item.at, std::move(item.message), DropReason::kNone};
  if (!connected(d.message.from, d.message.to)) {
    d.dropped = DropReason::kPartition;
    ++stats_.dropped;
  } else {
    ++stats_.delivered;
  }
  return d;
}

void Network::clear() { queue_.clear(); }

void Network::cut(raft::NodeId from, raft::NodeId to) {
  STRATA_ASSERT(from.value() < (uint64_t{1} << 32) && to.value() < (uint64_t{1} << 32));
  cut_.insert(LinkKey(from, to));
}

void Network::partition(const std::vector<raft::NodeId>& a, const std::vector<raft::NodeId>& b) {
  for (auto x : a) {
    for (auto y : b) {
      if (x == y) continue;
      cut(x, y);
      cut(y, x);
    }
  }
}

void Network::isolate(raft::NodeId n, const std::vector<raft::NodeId>& others) {
  partition({n}, others);
}

void Network::heal() { cut_.clear(); }

bool Network::connected(raft::NodeId from, raft::NodeId to) const {
  return cut_.empty() || cut_.count(LinkKey(from, to)) == 0;
}

}  // namespace strata::sim

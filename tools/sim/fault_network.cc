// Network faults: partitions of several shapes, healed after a while, and
// "weather" (loss, duplication, reordering, delay) that changes over time.
#include <algorithm>

#include "fault.h"

namespace strata::sim {
namespace {

std::vector<raft::NodeId> Shuffled(std::vector<raft::NodeId> v, Prng& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.uniform(i)]);
  return v;
}

class PartitionFault final : public Fault {
 public:
  std::string_view name() const override { return "partition"; }

  bool inject(Cluster& c, Prng& rng, FaultCounters& counters) override {
    if (active_) return false;
    auto ids = c.ids();
    if (ids.size() < 2) return false;
    Network& net = c.network();
    raft::NodeId leader = c.leader();
    std::string kind;
    switch (rng.uniform(5)) {
      case 0: {  // A random minority against the rest.
        auto s = Shuffled(ids, rng);
        size_t k = rng.range(1, s.size() / 2);
        net.partition({s.begin(), s.begin() + static_cast<ptrdiff_t>(k)},
                      {s.begin() + static_cast<ptrdiff_t>(k), s.end()});
        kind = "split";
        break;
      }
      case 1: {  // The leader keeps a minority: its new entries reach too few.
        if (leader.none()) return false;
        std::vector<raft::NodeId> rest;
        for (auto id : ids) {
          if (id != leader) rest.push_back(id);
        }
        rest = Shuffled(rest, rng);
        size_t k = ids.size() >= 4 ? rng.range(0, ids.size() / 2 - 1) : 0;
        std::vector<raft::NodeId> side{leader};
        side.insert(side.end(), rest.begin(), rest.begin() + static_cast<ptrdiff_t>(k));
        net.partition(side, {rest.begin() + static_cast<ptrdiff_t>(k), rest.end()});
        kind = "leader-minority";
        break;
      }
      case 2: {  // One node alone (often the leader).
        raft::NodeId n = !leader.none() && rng.one_in(2) ? leader : ids[rng.uniform(ids.size())];
        net.isolate(n, ids);
        kind = "isolate";
        break;
      }
      case 3: {  // Some links fail in one direction only.
        uint64_t cuts = rng.range(1, ids.size());
        for (uint64_t i = 0; i < cuts; ++i) {
          raft::NodeId a = ids[rng.uniform(ids.size())];
          raft::NodeId b = ids[rng.uniform(ids.size())];
          if (a != b) net.cut(a, b);
        }
        kind = "one-way";
        break;
      }
      default: {  // A bridge node sees two halves that cannot see each other.
        if (ids.size() < 3) return false;
        auto s = Shuffled(ids, rng);
        size_t half = (s.size() - 1) / 2;
        std::vector<raft::NodeId> a(s.begin() + 1, s.begin() + 1 + static_cast<ptrdiff_t>(half));
        std::vector<raft::NodeId> b(s.begin() + 1 + static_cast<ptrdiff_t>(half), s.end());
        net.partition(a, b);
        kind = "bridge";
        break;
      }
    }
    active_ = true;
    int et = c.options().node.election_ticks;
    heal_at_ = c.ticks() + rng.range(2, 12 * et);
    counters["partition." + kind]++;
    if (c.trace().on()) {
      c.trace().add(c.now(),
                    "nemesis: partition " + kind + " until tick " + std::to_string(heal_at_));
    }
    return true;
  }

  void tick(Cluster& c, Prng&, FaultCounters&) override {
    if (active_ && c.ticks() >= heal_at_) heal(c);
  }

  void heal(Cluster& c) override {
    if (!active_ && !c.network().any_cut()) return;
    active_ = false;
    c.network().heal();
    if (c.trace().on()) c.trace().add(c.now(), "nemesis: network healed");
  }

 private:
  bool active_ = false;
  uint64_t heal_at_ = 0;
};

class WeatherFault final : public Fault {
 public:
  std::string_view name() const override { return "weather"; }

  bool inject(Cluster& c, Prng& rng, FaultCounters& counters) override {
    if (!saved_) saved_ = c.network().options();
    NetworkOptions o = *saved_;
    o.delay_min = rng.range(10, 300);
    o.delay_max = o.delay_min + rng.range(0, rng.one_in(4) ? 8000 : 2000);
    o.drop_per_million = rng.one_in(3) ? 0 : rng.range(0, 80000);
    o.duplicate_per_million = rng.one_in(2) ? 0 : rng.range(0, 50000);
    o.reorder_per_million = rng.one_in(2) ? 0 : rng.range(0, 100000);
    c.network().set_options(o);
    counters["weather"]++;
    if (c.trace().on()) {
      c.trace().add(c.now(), "nemesis: weather delay " + std::to_string(o.delay_min) + ".." +
                                 std::to_string(o.delay_max) + " drop " +
                                 std::to_string(o.drop_per_million) + "ppm dup " +
                                 std::to_string(o.duplicate_per_million) + "ppm reorder " +
                                 std::to_string(o.reorder_per_million) + "ppm");
    }
    return true;
  }

  void heal(Cluster& c) override {
    if (saved_) c.network().set_options(*saved_);
  }

 private:
  std::optional<NetworkOptions> saved_;
};

// Clock drift: a node's clock runs slow (skips ticks) or fast (double ticks)
// for a while, so its election and heartbeat timers disagree with its peers'.
class ClockFault final : public Fault {
 public:
  std::string_view name() const override { return "clock"; }

  bool inject(Cluster& c, Prng& rng, FaultCounters& counters) override {
    auto up = c.up_ids();
    if (up.empty()) return false;
    raft::NodeId leader = c.leader();
    raft::NodeId who = !leader.none() && rng.one_in(2) ? leader : up[rng.uniform(up.size())];
    bool slow = rng.one_in(2);
    auto rate = static_cast<int64_t>(rng.range(100000, 900000));
    c.set_clock_drift(who, slow ? -rate : rate);
    until_[who.value()] = c.ticks() + rng.range(10, 20 * c.options().node.election_ticks);
    counters[slow ? "clock.slow" : "clock.fast"]++;
    return true;
  }

  void tick(Cluster& c, Prng&, FaultCounters&) override {
    for (auto it = until_.begin(); it != until_.end();) {
      if (it->second > c.ticks()) {
        ++it;
        continue;
      }
      c.set_clock_drift(raft::NodeId(it->first), 0);
      it = until_.erase(it);
    }
  }

  void heal(Cluster& c) override {
    for (const auto& [id, until] : until_) c.set_clock_drift(raft::NodeId(id), 0);
    until_.clear();
  }

 private:
  std::map<uint64_t, uint64_t> until_;  // node -> tick its clock is fixed
};

}  // namespace

std::unique_ptr<Fault> MakeClockFault() { return std::make_unique<ClockFault>(); }

std::unique_ptr<Fault> MakePartitionFault() { return std::make_unique<PartitionFault>(); }
std::unique_ptr<Fault> MakeWeatherFault() { return std::make_unique<WeatherFault>(); }

}  // namespace strata::sim

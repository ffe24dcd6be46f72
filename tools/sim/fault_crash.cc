// Crash faults: a node (often the leader) loses its volatile state, at once or
// inside a later Ready, and restarts from its disk after a random downtime.
#include <algorithm>

#include "fault.h"

namespace strata::sim {
namespace {

class CrashFault final : public Fault {
 public:
  std::string_view name() const override { return "crash"; }

  bool inject(Cluster& c, Prng& rng, FaultCounters& counters) override {
    auto voters = c.voters();
    size_t down = c.ids().size() - c.up_ids().size();
    size_t max_down = std::max<size_t>(1, (voters.size() - 1) / 2);
    if (rng.one_in(8)) ++max_down;  // Sometimes lose the majority for a while.
    if (down >= max_down) return false;
    auto up = c.up_ids();
    if (up.empty()) return false;
    raft::NodeId leader = c.leader();
    raft::NodeId victim = !leader.none() && rng.one_in(2) ? leader : up[rng.uniform(up.size())];
    SimNode* n = c.node(victim);
    int et = n->options().election_ticks;
    uint64_t downtime = rng.one_in(10) ? rng.range(1, 30 * et) : rng.range(1, 6 * et);
    restart_at_[victim.value()] = c.ticks() + downtime;
    uint64_t how = rng.uniform(10);
    bool is_leader = n->raft().role() == raft::Role::kLeader;
    if (c.trace().on()) {
      c.trace().add(c.now(), "nemesis: crash n" + std::to_string(victim.value()) +
                                 (is_leader ? " (leader)" : "") + ", restart at tick " +
                                 std::to_string(restart_at_[victim.value()]) +
                                 (how < 4 ? ", armed to strike inside a Ready" : ""));
    }
    if (how < 2 && is_leader) {
      n->arm_crash(CrashPoint::kLeaderBeforePersist);
      counters["crash.leader-before-persist"]++;
    } else if (how < 4) {
      n->arm_crash(CrashPoint::kAfterPersist);
      counters["crash.after-persist"]++;
    } else {
      c.crash(victim);
      counters[is_leader ? "crash.leader" : "crash.follower"]++;
    }
    return true;
  }

  void tick(Cluster& c, Prng& rng, FaultCounters& counters) override {
    flap_leaders(c, rng, counters);
    for (raft::NodeId id : c.ids()) {
      SimNode* n = c.node(id);
      if (n == nullptr || n->up()) continue;
      auto it = restart_at_.find(id.value());
      if (it == restart_at_.end()) {
        // Went down by an armed crash: schedule its restart now.
        restart_at_[id.value()] = c.ticks() + rng.range(1, 4 * n->options().election_ticks);
        continue;
      }
      if (it->second > c.ticks()) continue;
      restart_at_.erase(it);
      c.restart(id);
    }
  }

  void heal(Cluster& c) override {
    for (raft::NodeId id : c.ids()) {
      SimNode* n = c.node(id);
      if (n == nullptr) continue;
      if (n->up()) {
        n->arm_crash(CrashPoint::kNone);
      } else {
        c.restart(id);
      }
    }
    restart_at_.clear();
    flap_at_.clear();
  }

 private:
  // Leader flapping: a newly elected leader sometimes crashes within a tick or
  // two, before its first entries reach a majority. Sequences of such short
  // reigns are what the raft paper's figure 8 is made of.
  void flap_leaders(Cluster& c, Prng& rng, FaultCounters& counters) {
    if (!flap_rate_) flap_rate_ = rng.one_in(3) ? 0 : rng.range(50000, 600000);
    raft::NodeId leader = c.leader();
    if (!leader.none()) {
      raft::Term term = c.node(leader)->raft().term();
      if (term > last_term_) {
        last_term_ = term;
        if (rng.chance(*flap_rate_)) flap_at_[leader.value()] = {term, c.ticks() + rng.range(0, 2)};
      }
    }
    for (auto it = flap_at_.begin(); it != flap_at_.end();) {
      SimNode* n = c.node(raft::NodeId(it->first));
      if (n == nullptr || !n->up() || n->raft().term() != it->second.first ||
          n->raft().role() != raft::Role::kLeader) {
        it = flap_at_.erase(it);
        continue;
      }
      if (it->second.second > c.ticks()) {
        ++it;
        continue;
      }
      if (c.trace().on()) {
        c.trace().add(c.now(), "nemesis: new leader n" + std::to_string(it->first) + " flaps");
      }
      restart_at_[it->first] = c.ticks() + rng.range(1, 3 * n->options().election_ticks);
      c.crash(n->id());
      counters["crash.leader-flap"]++;
      it = flap_at_.erase(it);
    }
  }

  std::map<uint64_t, uint64_t> restart_at_;  // node -> tick
  std::optional<uint64_t> flap_rate_;        // per million elections
  raft::Term last_term_;
  std::map<uint64_t, std::pair<raft::Term, uint64_t>> flap_at_;  // node -> (term, tick)
};

}  // namespace

std::unique_ptr<Fault> MakeCrashFault() { return std::make_unique<CrashFault>(); }

}  // namespace strata::sim

// Leadership and log-size faults: leader transfers (to a random voter or to
// the most lagging one, which must first be caught up), forced campaigns, and
// snapshots with aggressive compaction so that laggards and new nodes need
// InstallSnapshot.
#include <algorithm>

#include "fault.h"

namespace strata::sim {
namespace {

using raft::NodeId;

class LeadershipFault final : public Fault {
 public:
  std::string_view name() const override { return "leader"; }

  bool inject(Cluster& c, Prng& rng, FaultCounters& counters) override {
    NodeId leader = c.leader();
    if (rng.one_in(3)) {  // A follower campaigns out of turn.
      std::vector<NodeId> cands;
      for (NodeId v : c.voters()) {
        SimNode* n = c.node(v);
        if (v != leader && n != nullptr && n->up()) cands.push_back(v);
      }
      if (cands.empty()) return false;
      NodeId who = cands[rng.uniform(cands.size())];
      Status s = c.node(who)->campaign();
      trace(c, "campaign n" + std::to_string(who.value()) + ": " + s.ToString());
      if (!s.ok()) return false;
      counters["leader.campaign"]++;
      return true;
    }
    if (leader.none()) return false;
    SimNode* l = c.node(leader);
    raft::RaftStatus st = l->raft().status();
    NodeId target;
    bool lagging = rng.one_in(2);
    if (lagging) {
      raft::Index lowest;
      for (const auto& p : st.peers) {
        if (p.learner || p.id == leader) continue;
        if (target.none() || p.match < lowest) {
          target = p.id;
          lowest = p.match;
        }
      }
    } else {
      std::vector<NodeId> others;
      for (NodeId v : st.conf_state.voters) {
        if (v != leader) others.push_back(v);
      }
      if (!others.empty()) target = others[rng.uniform(others.size())];
    }
    if (target.none()) return false;
    Status s = l->transfer_leader(target);
    trace(c, "transfer leadership n" + std::to_string(leader.value()) + " -> n" +
                 std::to_string(target.value()) + (lagging ? " (most lagging)" : "") + ": " +
                 s.ToString());
    if (!s.ok()) return false;
    counters[lagging ? "leader.transfer-lagging" : "leader.transfer"]++;
    return true;
  }

 private:
  static void trace(Cluster& c, const std::string& what) {
    if (c.trace().on()) c.trace().add(c.now(), "nemesis: " + what);
  }
};

class CompactionFault final : public Fault {
 public:
  std::string_view name() const override { return "compaction"; }

  bool inject(Cluster& c, Prng& rng, FaultCounters& counters) override {
    NodeId leader = c.leader();
    auto up = c.up_ids();
    if (up.empty()) return false;
    NodeId who = !leader.none() && !rng.one_in(4) ? leader : up[rng.uniform(up.size())];
    SimNode* n = c.node(who);
    if (rng.one_in(4)) {
      // Change this node's standing snapshot policy.
      n->set_snapshot_policy(rng.one_in(4) ? 0 : rng.range(2, 60), rng.range(0, 5));
      counters["compaction.policy"]++;
    }
    uint64_t keep = rng.range(0, 2);
    if (c.trace().on()) {
      c.trace().add(c.now(), "nemesis: snapshot and compact n" + std::to_string(who.value()) +
                                 " keeping " + std::to_string(keep) + " entries");
    }
    if (!n->snapshot_now(keep)) return false;
    counters["compaction.snapshot"]++;
    return true;
  }
};

}  // namespace

std::unique_ptr<Fault> MakeLeadershipFault() { return std::make_unique<LeadershipFault>(); }
std::unique_ptr<Fault> MakeCompactionFault() { return std::make_unique<CompactionFault>(); }

std::unique_ptr<Fault> MakeFault(std::string_view name) {
  if (name == "crash") return MakeCrashFault();
  if (name == "partition") return MakePartitionFault();
  if (name == "weather") return MakeWeatherFault();
  if (name == "clock") return MakeClockFault();
  if (name == "membership") return MakeMembershipFault();
  if (name == "leader") return MakeLeadershipFault();
  if (name == "compaction") return MakeCompactionFault();
  return nullptr;
}

}  // namespace strata::sim

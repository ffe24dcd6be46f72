// Membership faults, proposed through the current leader: add a learner (a
// new, empty node), promote a learner (simple change or joint consensus),
// remove a voter (including the leader), replace a voter through a joint
// config, remove a learner, and leave an explicit joint config.
//
// Bounds: voters stay within [3, 7] (or the initial count if smaller), and a
// voter is removed only if the remaining voters that are up still form a
// majority of the new configuration.
#include <algorithm>

#include "fault.h"

namespace strata::sim {
namespace {

using raft::ConfChange;
using raft::ConfChangeSingle;
using raft::ConfChangeTransition;
using raft::ConfChangeType;
using raft::NodeId;

bool Contains(const std::vector<NodeId>& v, NodeId id) {
  return std::find(v.begin(), v.end(), id) != v.end();
}

class MembershipFault final : public Fault {
 public:
  std::string_view name() const override { return "membership"; }

  bool inject(Cluster& c, Prng& rng, FaultCounters& counters) override {
    NodeId leader = c.leader();
    if (leader.none()) return false;
    SimNode* l = c.node(leader);
    raft::ConfState cs = l->raft().status().conf_state;
    if (cs.joint()) {
      if (cs.auto_leave) return false;
      return propose(c, l, ConfChange{}, "membership.leave-joint", counters);
    }
    size_t min_voters = std::min<size_t>(3, static_cast<size_t>(c.options().initial_nodes));
    const size_t max_voters = 7;
    switch (rng.uniform(6)) {
      case 0:
      case 1: {  // Add a learner: reuse a node that never joined, else a new one.
        if (cs.learners.size() >= 2) return false;
        NodeId id;
        const raft::ConfState& global = c.membership();
        for (NodeId n : c.ids()) {
          if (!Contains(cs.voters, n) && !Contains(cs.learners, n) && !Contains(global.voters, n) &&
              !Contains(global.learners, n) && !Contains(global.voters_outgoing, n) &&
              !Contains(global.learners_next, n)) {
            id = n;
          }
        }
        bool fresh = id.none();
        if (fresh) {
          if (c.ids().size() >= 10) return false;
          id = c.next_id();
        }
        ConfChange cc;
        cc.changes.push_back({ConfChangeType::kAddLearner, id});
        if (!propose(c, l, cc, "membership.add-learner", counters)) return false;
        if (fresh) STRATA_ASSERT(c.add_node() == id);
        return true;
      }
      case 2: {  // Promote a learner, maybe swapping out a voter at once.
        if (cs.learners.empty() || cs.voters.size() >= max_voters) return false;
        NodeId learner = cs.learners[rng.uniform(cs.learners.size())];
        ConfChange cc;
        cc.changes.push_back({ConfChangeType::kAddNode, learner});
        if (rng.one_in(2)) {
          return propose(c, l, cc, "membership.promote-simple", counters);
        }
        cc.transition =
            rng.one_in(2) ? ConfChangeTransition::kExplicit : ConfChangeTransition::kImplicit;
        if (cs.voters.size() > min_voters && rng.one_in(2)) {
          NodeId out = pick_removable(c, cs, rng, leader);
          if (!out.none()) cc.changes.push_back({ConfChangeType::kRemoveNode, out});
        }
        return propose(c, l, cc, "membership.promote-joint", counters);
      }
      case 3:
      case 4: {  // Remove a voter, often the leader itself.
        if (cs.voters.size() <= min_voters) return false;
        NodeId out = pick_removable(c, cs, rng, leader);
        if (out.none()) return false;
        ConfChange cc;
        cc.changes.push_back({ConfChangeType::kRemoveNode, out});
        if (rng.one_in(3)) cc.transition = ConfChangeTransition::kExplicit;
        return propose(c, l, cc,
                       out == leader ? "membership.remove-leader" : "membership.remove-voter",
                       counters);
      }
      default: {  // Remove a learner.
        if (cs.learners.empty()) return false;
        ConfChange cc;
        cc.changes.push_back(
            {ConfChangeType::kRemoveNode, cs.learners[rng.uniform(cs.learners.size())]});
        return propose(c, l, cc, "membership.remove-learner", counters);
      }
    }
  }

 private:
  // A voter whose removal leaves a live majority; the leader half the time.
  static NodeId pick_removable(Cluster& c, const raft::ConfState& cs, Prng& rng, NodeId leader) {
    NodeId out = rng.one_in(2) ? leader : cs.voters[rng.uniform(cs.voters.size())];
    size_t remaining = cs.voters.size() - 1;
    size_t live = 0;
    for (NodeId v : cs.voters) {
      SimNode* n = c.node(v);
      if (v != out && n != nullptr && n->up()) ++live;
    }
    return live > remaining / 2 ? out : NodeId();
  }

  static bool propose(Cluster& c, SimNode* l, const ConfChange& cc, const std::string& kind,
                      FaultCounters& counters) {
    Status s = l->propose_conf_change(cc);
    if (c.trace().on()) {
      std::string what;
      for (const auto& ch : cc.changes) {
        what += ch.type == ConfChangeType::kAddNode      ? " add n"
                : ch.type == ConfChangeType::kAddLearner ? " learner n"
                                                         : " remove n";
        what += std::to_string(ch.node.value());
      }
      c.trace().add(c.now(), "nemesis: " + kind + what + " via n" +
                                 std::to_string(l->id().value()) + ": " + s.ToString());
    }
    if (!s.ok()) return false;
    counters[kind]++;
    return true;
  }
};

}  // namespace

std::unique_ptr<Fault> MakeMembershipFault() { return std::make_unique<MembershipFault>(); }

}  // namespace strata::sim

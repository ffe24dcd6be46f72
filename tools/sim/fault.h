// Fault injectors ("nemeses"). Each Fault is one family of things that go
// wrong; the Nemesis (nemesis.h) picks among the enabled ones by weight.
//
// A fault may keep state (nodes to restart later, a partition to heal) and
// undoes it in tick() when its time is up, or all at once in heal().
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "cluster.h"
#include "prng.h"

namespace strata::sim {

// Counters by fault kind ("crash", "partition.isolate-leader", ...).
using FaultCounters = std::map<std::string, uint64_t>;

class Fault {
 public:
  virtual ~Fault() = default;
  virtual std::string_view name() const = 0;
  // Tries to inject this fault now. Returns false (changing nothing) when it
  // does not fit the cluster's current state.
  virtual bool inject(Cluster& c, Prng& rng, FaultCounters& counters) = 0;
  // Called once per tick during the fault phase, e.g. to undo expired faults.
  virtual void tick(Cluster&, Prng&, FaultCounters&) {}
  // Undoes everything this fault did (the heal phase starts).
  virtual void heal(Cluster&) {}
};

// Crash a node (often the leader, sometimes inside a Ready), restart it later.
std::unique_ptr<Fault> MakeCrashFault();
// Partitions: majority/minority splits, the leader with a minority, an
// isolated node, one-way cuts; healed after a while.
std::unique_ptr<Fault> MakePartitionFault();
// Network weather: changes loss, duplication, reordering and delay.
std::unique_ptr<Fault> MakeWeatherFault();
// Clock drift: a node's ticks are skipped or doubled for a while.
std::unique_ptr<Fault> MakeClockFault();
// Membership: add learners, promote (simple or joint), remove voters
// (including the leader), replace a voter through a joint config.
std::unique_ptr<Fault> MakeMembershipFault();
// Leadership: transfer to a random or the most lagging voter; force a
// follower to campaign.
std::unique_ptr<Fault> MakeLeadershipFault();
// Snapshot and compact a node's log so that laggards need InstallSnapshot.
std::unique_ptr<Fault> MakeCompactionFault();

// Makes a fault by name ("crash", "partition", "weather", "clock",
// "membership", "leader", "compaction"); nullptr for an unknown name.
std::unique_ptr<Fault> MakeFault(std::string_view name);

}  // namespace strata::sim

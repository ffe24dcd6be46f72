// The nemesis: a seeded schedule of faults applied to a ChaosCluster while
// the workload runs. One fault at a time: wait a quiet gap, inject, hold,
// heal, then require recovery (a leader, every member caught up) before the
// next. The same seed and options give the same schedule of choices; the
// timing of a real cluster never replays exactly.
//
// Faults (FaultKind):
//   kill        kill -9 a random member, restart it after the hold;
//   kill-leader kill -9 the leader, restart it after the hold;
//   pause       SIGSTOP a random member (the leader half the time), SIGCONT;
//   partition   cut peer traffic with the fault switch: a random minority
//               from the majority, the leader alone, or a bridge (two
//               sides that only one member connects);
//   membership  remove a random member (the leader sometimes), then add a
//               new, empty member in its place;
//   delay       hold incoming raft messages back for a random 0-150 ms each
//               (so they also arrive out of order) on every member, or 200
//               to 800 ms on one member (a slow member, slower than the
//               election timeout), with the fault switch;
//   slow-disk   stall each synced raft log write of one member (the leader
//               half the time) for 50-700 ms, up to longer than the
//               election timeout, with the fault switch.
//
// Thread-safety: none; runs on the thread that owns the cluster.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "base/status.h"
#include "tests/chaos/chaos_cluster.h"
#include "tools/sim/prng.h"

namespace strata::chaos {

enum class FaultKind { kKill, kKillLeader, kPause, kPartition, kMembership, kDelay, kSlowDisk };

// "kill", "kill-leader", "pause", "partition", "membership", "delay",
// "slow-disk".
std::string FaultName(FaultKind kind);
// A comma-separated list of fault names, or "all". kInvalidArgument
// naming an unknown one.
Result<std::vector<FaultKind>> ParseFaults(const std::string& list);

struct NemesisOptions {
  // Faults to draw from, uniformly. Default: none (the nemesis only waits).
  std::vector<FaultKind> faults;
  uint64_t seed = 1;
  // Quiet gap before each fault, drawn uniformly. Default: 1 to 3 s.
  std::chrono::milliseconds quiet_min{1000}, quiet_max{3000};
  // How long a fault lasts, drawn uniformly. Default: 1 to 5 s.
  std::chrono::milliseconds hold_min{1000}, hold_max{5000};
  // Stop after this many faults; 0: only the deadline stops it. Default: 0.
  int max_faults = 0;
  // For faults that leave a connected majority and hold at least this long,
  // require acknowledged writes during the hold's second half (the cluster
  // stayed available). 0 disables. Default: 8 s.
  std::chrono::milliseconds availability_hold{8000};
};

class Nemesis {
 public:
  // Acknowledged writes so far (the workload's counter).
  using Progress = std::function<int64_t()>;

  // Neither owned; both outlive the nemesis. Logs each step to `log`.
  Nemesis(ChaosCluster* cluster, NemesisOptions options, Progress progress, std::ostream* log);

  // Injects faults until `end` or max_faults, healing each. Returns early
  // (with the reason in problems()) when the cluster does not recover.
  void Run(std::chrono::steady_clock::time_point end);

  int faults() const { return faults_; }
  // Recovery or availability failures, each with its explanation.
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  // Each injects one fault, holds it for `hold`, and heals it.
  Status Kill(bool leader, std::chrono::milliseconds hold);
  Status Pause(std::chrono::milliseconds hold);
  Status Partition(std::chrono::milliseconds hold);
  Status Membership(std::chrono::milliseconds hold);
  Status Delay(std::chrono::milliseconds hold);
  Status SlowDisk(std::chrono::milliseconds hold);
  // Sleeps `hold`; checks writes progressed in its second half when
  // `majority_up` and the hold is long enough.
  Status Hold(std::chrono::milliseconds hold, bool majority_up, const std::string& what);
  Status Recover();
  int RandomMember();
  // The leader half the time (when there is one), else a random member.
  int LeaderOrRandomMember(bool* is_leader);
  std::chrono::milliseconds Draw(std::chrono::milliseconds lo, std::chrono::milliseconds hi);
  void Log(const std::string& line);

  ChaosCluster* const cluster_;
  const NemesisOptions options_;
  const Progress progress_;
  std::ostream* const log_;
  sim::Prng rng_;
  const std::chrono::steady_clock::time_point start_;
  int faults_ = 0;
  std::vector<std::string> problems_;
};

}  // namespace strata::chaos

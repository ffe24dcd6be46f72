#include "tests/chaos/nemesis.h"

#include <algorithm>
#include <sstream>
#include <thread>

namespace strata::chaos {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

constexpr FaultKind kAll[] = {FaultKind::kKill,      FaultKind::kKillLeader, FaultKind::kPause,
                              FaultKind::kPartition, FaultKind::kMembership, FaultKind::kDelay,
                              FaultKind::kSlowDisk};

std::string Slots(const std::set<int>& slots) {
  std::string out = "{";
  for (int s : slots) out += (out.size() > 1 ? "," : "") + std::to_string(s);
  return out + "}";
}

}  // namespace

std::string FaultName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kKill:
      return "kill";
    case FaultKind::kKillLeader:
      return "kill-leader";
    case FaultKind::kPause:
      return "pause";
    case FaultKind::kPartition:
      return "partition";
    case FaultKind::kMembership:
      return "membership";
    case FaultKind::kDelay:
      return "delay";
    case FaultKind::kSlowDisk:
      return "slow-disk";
  }
  return "?";
}

Result<std::vector<FaultKind>> ParseFaults(const std::string& list) {
  std::vector<FaultKind> out;
  std::stringstream in(list);
  for (std::string name; std::getline(in, name, ',');) {
    if (name.empty() || name == "none") continue;
    if (name == "all") {
      out.assign(std::begin(kAll), std::end(kAll));
      continue;
    }
    auto it = std::find_if(std::begin(kAll), std::end(kAll),
                           [&](FaultKind k) { return FaultName(k) == name; });
    if (it == std::end(kAll)) {
      return Status::InvalidArgument(
          "unknown fault \"" + name +
          "\" (kill, kill-leader, pause, partition, membership, delay, slow-disk, all)");
    }
    out.push_back(*it);
  }
  return out;
}

Nemesis::Nemesis(ChaosCluster* cluster, NemesisOptions options, Progress progress,
                 std::ostream* log)
    : cluster_(cluster),
      options_(std::move(options)),
      progress_(std::move(progress)),
      log_(log),
      rng_(sim::DeriveSeed(options_.seed, 1)),
      start_(steady_clock::now()) {}

void Nemesis::Log(const std::string& line) {
  const double t = std::chrono::duration<double>(steady_clock::now() - start_).count();
  char stamp[32];
  std::snprintf(stamp, sizeof(stamp), "[%8.3f] ", t);
  *log_ << stamp << line << std::endl;
}

milliseconds Nemesis::Draw(milliseconds lo, milliseconds hi) {
  if (hi <= lo) return lo;
  return milliseconds(
      rng_.range(static_cast<uint64_t>(lo.count()), static_cast<uint64_t>(hi.count())));
}

int Nemesis::RandomMember() {
  std::vector<int> members = cluster_->members();
  return members[rng_.uniform(members.size())];
}

void Nemesis::Run(steady_clock::time_point end) {
  if (options_.faults.empty()) {
    std::this_thread::sleep_until(end);  // No faults: the run's length is the schedule.
    return;
  }
  while (options_.max_faults == 0 || faults_ < options_.max_faults) {
    const milliseconds quiet = Draw(options_.quiet_min, options_.quiet_max);
    const FaultKind kind = options_.faults[rng_.uniform(options_.faults.size())];
    const milliseconds hold = Draw(options_.hold_min, options_.hold_max);
    if (steady_clock::now() + quiet + hold >= end) break;
    std::this_thread::sleep_for(quiet);
    ++faults_;
    Status s;
    switch (kind) {
      case FaultKind::kKill:
        s = Kill(/*leader=*/false, hold);
        break;
      case FaultKind::kKillLeader:
        s = Kill(/*leader=*/true, hold);
        break;
      case FaultKind::kPause:
        s = Pause(hold);
        break;
      case FaultKind::kPartition:
        s = Partition(hold);
        break;
      case FaultKind::kMembership:
        s = Membership(hold);
        break;
      case FaultKind::kDelay:
        s = Delay(hold);
        break;
      case FaultKind::kSlowDisk:
        s = SlowDisk(hold);
        break;
    }
    if (s.ok()) s = Recover();
    if (!s.ok()) {
      problems_.push_back("fault " + std::to_string(faults_) + " (" + FaultName(kind) +
                          "): " + s.ToString());
      Log("PROBLEM: " + problems_.back());
      // Availability failures are recorded and the run goes on; a member
      // that does not come back ends the fault phase.
      if (s.code() != StatusCode::kResourceExhausted) return;
    }
  }
}

Status Nemesis::Hold(milliseconds hold, bool majority_up, const std::string& what) {
  const bool check =
      majority_up && options_.availability_hold.count() > 0 && hold >= options_.availability_hold;
  std::this_thread::sleep_for(hold / 2);
  const int64_t before = progress_();
  std::this_thread::sleep_for(hold - hold / 2);
  const int64_t during = progress_() - before;
  if (check && during == 0) {
    return Status::ResourceExhausted("no write was acknowledged in the last " +
                                     std::to_string((hold - hold / 2).count()) + " ms of " + what +
                                     " although a majority was up");
  }
  if (check)
    Log("  available: " + std::to_string(during) + " writes acknowledged in the second half");
  return Status::Ok();
}

Status Nemesis::Recover() {
  Status s = cluster_->HealNetwork();
  if (!s.ok()) return s;
  if (cluster_->WaitLeader(seconds(60)) < 0) return Status::Unavailable("no leader after healing");
  s = cluster_->WaitCaughtUp(seconds(90));
  if (s.ok()) Log("  recovered: a leader, every member caught up");
  return s;
}

Status Nemesis::Kill(bool leader, milliseconds hold) {
  int slot = leader ? cluster_->WaitLeader(seconds(30)) : RandomMember();
  if (slot < 0) return Status::Unavailable("no leader to kill");
  Log(std::string("kill -9 ") + (leader ? "leader " : "member ") + std::to_string(slot) +
      ", restart in " + std::to_string(hold.count()) + " ms");
  cluster_->Kill(slot);
  Status held = Hold(hold, cluster_->members().size() >= 3, "a killed member");
  STRATA_RETURN_IF_ERROR(cluster_->Restart(slot));
  Log("  member " + std::to_string(slot) + " restarted and healthy");
  return held;
}

int Nemesis::LeaderOrRandomMember(bool* is_leader) {
  int slot = -1;
  if (rng_.one_in(2)) slot = cluster_->Leader();
  *is_leader = slot >= 0;
  return slot >= 0 ? slot : RandomMember();
}

Status Nemesis::Pause(milliseconds hold) {
  bool is_leader = false;
  const int slot = LeaderOrRandomMember(&is_leader);
  Log("SIGSTOP " + std::string(is_leader ? "leader " : "member ") + std::to_string(slot) + " for " +
      std::to_string(hold.count()) + " ms");
  cluster_->Pause(slot);
  Status held = Hold(hold, cluster_->members().size() >= 3, "a paused member");
  cluster_->Resume(slot);
  Log("  SIGCONT member " + std::to_string(slot));
  return held;
}

Status Nemesis::Partition(milliseconds hold) {
  std::vector<int> members = cluster_->members();
  // Shuffle (Fisher-Yates with the seeded PRNG).
  for (size_t i = members.size(); i > 1; --i) std::swap(members[i - 1], members[rng_.uniform(i)]);
  const size_t n = members.size();
  std::set<int> side_a, side_b;
  int bridge = -1;
  std::string what;
  const uint64_t mode = rng_.uniform(3);
  if (mode == 0 || n < 3) {
    const size_t minority = 1 + rng_.uniform(std::max<size_t>((n - 1) / 2, 1));
    side_a.insert(members.begin(), members.begin() + static_cast<long>(minority));
    side_b.insert(members.begin() + static_cast<long>(minority), members.end());
    what = "minority " + Slots(side_a) + " | majority " + Slots(side_b);
  } else if (mode == 1) {
    int leader = cluster_->Leader();
    if (leader < 0) leader = members[0];
    side_a.insert(leader);
    for (int m : members) {
      if (m != leader) side_b.insert(m);
    }
    what = "leader " + std::to_string(leader) + " isolated from " + Slots(side_b);
  } else {
    bridge = members[0];
    for (size_t i = 1; i < n; ++i) (i % 2 == 1 ? side_a : side_b).insert(members[i]);
    what = "bridge: " + Slots(side_a) + " - " + std::to_string(bridge) + " - " + Slots(side_b);
  }
  Log("partition " + what + " for " + std::to_string(hold.count()) + " ms");
  std::map<int, std::set<int>> blocked;
  for (int a : side_a) blocked[a] = side_b;
  for (int b : side_b) blocked[b] = side_a;
  STRATA_RETURN_IF_ERROR(cluster_->Block(blocked));
  // A bridge keeps a majority connected through the bridge member only.
  Status held = Hold(hold, /*majority_up=*/bridge < 0, "a partition");
  STRATA_RETURN_IF_ERROR(cluster_->HealNetwork());
  Log("  healed");
  return held;
}

Status Nemesis::Membership(milliseconds hold) {
  int slot = RandomMember();
  if (rng_.one_in(3)) {
    int leader = cluster_->Leader();
    if (leader >= 0) slot = leader;
  }
  Log("remove member " + std::to_string(slot) + ", add a new one in " +
      std::to_string(hold.count()) + " ms");
  STRATA_RETURN_IF_ERROR(cluster_->RemoveMember(slot));
  Log("  removed member " + std::to_string(slot));
  Status held = Hold(hold, cluster_->members().size() >= 2, "a removal");
  Result<int> added = cluster_->AddMember();
  if (!added.ok()) return added.status();
  Log("  added member " + std::to_string(*added) + " (id " + std::to_string(cluster_->id(*added)) +
      ")");
  return held;
}

Status Nemesis::Delay(milliseconds hold) {
  std::vector<int> slowed = cluster_->members();
  milliseconds min(0), max(150);
  std::string what = "every member's incoming raft messages by 0-150 ms";
  if (rng_.one_in(2)) {
    slowed = {RandomMember()};
    min = milliseconds(200);
    max = milliseconds(800);
    what = "member " + std::to_string(slowed[0]) + "'s incoming raft messages by 200-800 ms";
  }
  Log("delay " + what + " for " + std::to_string(hold.count()) + " ms");
  for (int slot : slowed) STRATA_RETURN_IF_ERROR(cluster_->Delay(slot, min, max));
  Status held = Hold(hold, /*majority_up=*/true, "delayed messages");
  STRATA_RETURN_IF_ERROR(cluster_->HealNetwork());
  Log("  healed");
  return held;
}

Status Nemesis::SlowDisk(milliseconds hold) {
  bool is_leader = false;
  const int slot = LeaderOrRandomMember(&is_leader);
  Log("slow disk on " + std::string(is_leader ? "leader " : "member ") + std::to_string(slot) +
      ": synced writes stall 50-700 ms for " + std::to_string(hold.count()) + " ms");
  STRATA_RETURN_IF_ERROR(cluster_->SlowDisk(slot, milliseconds(50), milliseconds(700)));
  Status held = Hold(hold, /*majority_up=*/true, "a slow disk");
  STRATA_RETURN_IF_ERROR(cluster_->HealNetwork());
  Log("  healed");
  return held;
}

}  // namespace strata::chaos

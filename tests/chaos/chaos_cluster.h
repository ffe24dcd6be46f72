// The cluster a chaos run drives: real strata-server processes (from the
// integration harness) started with --experimental-fault-injection, plus
// what the faults need: member ids, the leader, the peer fault switch of
// every member (PUT/DELETE /debug/faults), kill -9 and restart, SIGSTOP and
// SIGCONT, and removing and re-adding members.
//
// Members are "slots" (harness indexes). A removed member's slot is never
// reused; its replacement gets a new slot, a new name and an empty data
// directory.
//
// Thread-safety: every method except endpoints() must be called from the
// thread that created the cluster, which must outlive the members (they
// get SIGKILL when it exits). endpoints() is safe from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "tests/chaos/stubs.h"
#include "tests/integration/harness.h"

namespace strata::chaos {

class ChaosCluster {
 public:
  // Allocates `members` slots (not started).
  explicit ChaosCluster(int members);
  ~ChaosCluster();  // Kills every member.
  ChaosCluster(const ChaosCluster&) = delete;
  ChaosCluster& operator=(const ChaosCluster&) = delete;

  // Starts every member as a new cluster and waits until each is healthy and
  // known by its id. kUnavailable (with the log tail) if one is not.
  Status Start();

  // Slots of the current members, ascending.
  std::vector<int> members() const { return {members_.begin(), members_.end()}; }
  bool running(int slot) const { return cluster_.Running(slot); }
  bool paused(int slot) const { return paused_.contains(slot); }

  // kill -9; the member stays in the cluster. Not an error if not running.
  void Kill(int slot);
  // Starts a killed member on its data directory and waits until it is
  // healthy. kUnavailable with its log tail if it is not within `timeout`.
  Status Restart(int slot, std::chrono::seconds timeout = std::chrono::seconds(60));
  // SIGSTOP / SIGCONT.
  void Pause(int slot);
  void Resume(int slot);

  // The slot of the member every reachable member names as leader, or -1.
  int Leader();
  int WaitLeader(std::chrono::seconds timeout = std::chrono::seconds(30));

  // Cuts peers apart: member `slot` drops all raft traffic to and from the
  // slots in blocked[slot] (both directions). Members not in the map are
  // left as they are.
  Status Block(const std::map<int, std::set<int>>& blocked);
  // Member `slot` holds every incoming raft message back for a delay drawn
  // from [min, max] (its fault switch; blocks are cleared).
  Status Delay(int slot, std::chrono::milliseconds min, std::chrono::milliseconds max);
  // Member `slot` stalls each synced raft log write for a time drawn from
  // [min, max], as on a slow disk (its fault switch; blocks are cleared).
  Status SlowDisk(int slot, std::chrono::milliseconds min, std::chrono::milliseconds max);
  // Clears the fault switch of every running member (retrying for up to
  // `timeout`, as a member may be restarting).
  Status HealNetwork(std::chrono::seconds timeout = std::chrono::seconds(30));

  // Removes the member from the cluster (MemberRemove through another
  // member), then kills it; its slot is retired.
  Status RemoveMember(int slot);
  // Adds a new voter in a new slot (MemberAdd), starts it empty with
  // --initial-cluster-state=existing and waits until it is healthy.
  Result<int> AddMember();

  // Waits until every running member has applied the index the leader had
  // committed when this was called (the member caught up). kUnavailable
  // naming the laggard otherwise.
  Status WaitCaughtUp(std::chrono::seconds timeout = std::chrono::seconds(60));
  // Waits until every running member reports the same HashKV at the same
  // revision. kCorruption with the hashes if they still differ at the end.
  Status WaitSameHash(std::chrono::seconds timeout = std::chrono::seconds(120));

  // Member's id, as the server reported it when it started.
  uint64_t id(int slot) const { return ids_.at(slot); }
  // Stubs to the member's client endpoint (kept for the cluster's lifetime).
  Stubs& stubs(int slot);
  // The client endpoints of current, running, unpaused members.
  std::vector<std::string> endpoints() const;
  std::string LogTail(int slot, int lines = 40) const { return cluster_.LogTail(slot, lines); }
  const std::string& dir() const { return cluster_.dir(); }

 private:
  std::vector<std::string> Flags(int slot) const;
  Status LearnId(int slot, std::chrono::seconds timeout);
  Status PutFaults(int slot, const std::string& method, const std::string& body);
  // PUTs {"<name>_min_ms":min,"<name>_max_ms":max}.
  Status PutRange(int slot, const std::string& name, std::chrono::milliseconds min,
                  std::chrono::milliseconds max);
  void PublishEndpoints();

  testing::Cluster cluster_;
  std::set<int> members_;
  std::set<int> paused_;
  std::map<int, uint64_t> ids_;
  std::map<int, std::vector<std::string>> join_flags_;  // Slots that joined later.
  std::map<int, std::unique_ptr<Stubs>> stubs_;
  mutable std::mutex mu_;
  std::vector<std::string> endpoints_;  // Guarded by mu_.
};

}  // namespace strata::chaos

// A simulated replica: a Raft core, its durable MemoryStorage, the register
// state machine, and the Ready loop that connects them (raft.h's contract:
// persist, then send, then restore/apply, then advance).
//
// Durability model: the MemoryStorage (log, hard state, snapshot) is the disk.
// crash() drops everything else (the Raft object, the register, pending
// reads); start() rebuilds them from the disk, restoring the register from the
// snapshot image and letting Raft replay the committed entries after it.
// A crash can also be armed to strike inside a Ready (see CrashPoint).
//
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "raft/raft.h"
#include "raft/storage.h"
#include "register.h"
#include "safety_checker.h"
#include "trace.h"

namespace strata::sim {

struct NodeOptions {
  int election_ticks = 10;
  int heartbeat_ticks = 1;
  bool pre_vote = true;
  bool check_quorum = true;
  uint64_t max_append_bytes = 1 << 20;
  int max_inflight_appends = 256;
  // Take a snapshot once this many entries were applied since the last one
  // (0: never). Default: 0.
  uint64_t snapshot_interval = 0;
  // Entries kept in the log behind a new snapshot. Default: 0.
  uint64_t compact_keep = 0;
};

// Where an armed crash strikes, inside the next Ready that qualifies.
enum class CrashPoint : uint8_t {
  kNone,
  // After persisting a Ready with entries or hard state, before sending.
  kAfterPersist,
  // A leader that sent a Ready's messages while its entries were still being
  // written (allowed by raft.h) and crashed before they reached the disk.
  kLeaderBeforePersist,
};

class SimNode;

// What a node reports to its host while it works. Called from inside the
// Ready loop: implementations must not call back into the node.
class NodeEvents {
 public:
  virtual ~NodeEvents() = default;
  virtual void send(SimNode& from, raft::Message m) = 0;
  // A non-empty kNormal entry was applied; `position` is its register slot.
  virtual void applied_command(SimNode& node, const std::string& cmd, uint64_t position) = 0;
  virtual void applied_conf(SimNode& node, raft::Index index, const raft::ConfState& cs) = 0;
  virtual void read_state(SimNode& node, const raft::ReadState& rs) = 0;
  // The node lost its volatile state (crash() ran; the Raft object is gone).
  virtual void crashed(SimNode& node) = 0;
};

class SimNode {
 public:
  struct Env {
    const SimTime* now = nullptr;  // The cluster's clock.
    SafetyChecker* checker = nullptr;
    Trace* trace = nullptr;
    NodeEvents* events = nullptr;
  };

  SimNode(raft::NodeId id, const NodeOptions& options, uint64_t seed, Env env);

  // Writes the bootstrap snapshot (index 1, term 1, `voters`) to the disk.
  // REQUIRES: down and the disk is empty.
  void bootstrap(const std::vector<raft::NodeId>& voters);
  // Builds Raft from the disk. REQUIRES: down.
  void start();
  // Loses all volatile state; the disk survives. REQUIRES: up.
  void crash();
  // Arms a crash inside a later Ready; see CrashPoint.
  void arm_crash(CrashPoint p) { armed_ = p; }

  raft::NodeId id() const { return id_; }
  bool up() const { return raft_ != nullptr; }
  // REQUIRES: up.
  raft::Raft& raft() { return *raft_; }
  const raft::Raft& raft() const { return *raft_; }
  const raft::MemoryStorage& disk() const { return *disk_; }
  raft::MemoryStorage& disk() { return *disk_; }
  const Register& reg() const { return reg_; }
  raft::Index applied() const { return applied_; }
  // Index of the newest snapshot on disk.
  raft::Index snapshot_index() const;
  const raft::ConfState& conf() const { return conf_; }
  uint64_t restarts() const { return incarnation_; }
  const NodeOptions& options() const { return options_; }
  void set_snapshot_policy(uint64_t interval, uint64_t keep) {
    options_.snapshot_interval = interval;
    options_.compact_keep = keep;
  }

  // Inputs. Each runs the Ready loop afterwards. A node that is down ignores
  // them (returning kUnavailable). If an armed crash struck, the node is down
  // when the call returns.
  void tick();
  Status step(const raft::Message& m);
  Status propose(std::string data);
  Status propose_conf_change(const raft::ConfChange& cc);
  Status read_index(std::string ctx);
  Status transfer_leader(raft::NodeId to);
  Status campaign();
  void report_unreachable(raft::NodeId peer);
  void report_snapshot(raft::NodeId peer, bool ok);
  // Snapshots the register at the applied index and compacts the log up to
  // applied - keep. Returns false if there was nothing new to snapshot.
  bool snapshot_now(uint64_t keep);

  uint64_t snapshots_installed() const { return snapshots_installed_; }

 private:
  void after_input();
  void check_leadership();
  void process_ready();
  bool maybe_crash_inside(const raft::Ready& rd);
  void persist(const raft::Ready& rd);
  void apply(const raft::Entry& e);
  void restore(const raft::Snapshot& snap);
  void trace(const std::string& text);
  SimTime now() const { return *env_.now; }

  raft::NodeId id_;
  NodeOptions options_;
  uint64_t seed_;
  Env env_;
  std::unique_ptr<raft::MemoryStorage> disk_;
  std::unique_ptr<raft::Raft> raft_;
  uint64_t incarnation_ = 0;
  // Volatile state (lost on crash).
  Register reg_;
  raft::Index applied_;
  raft::ConfState conf_;
  raft::SoftState soft_;
  raft::Term leader_term_checked_;
  CrashPoint armed_ = CrashPoint::kNone;
  bool crash_now_ = false;
  uint64_t snapshots_installed_ = 0;
};

}  // namespace strata::sim

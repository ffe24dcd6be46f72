// Fault injection for fault tests: a switch that cuts this member off from
// chosen peers, in one direction or both, by dropping raft messages and
// forwarded proposals at the transport's edges, that holds incoming raft
// messages back for a random delay each (a slow or distant member: messages
// arrive late and out of order), and that stalls each synced raft log write
// (a slow disk; NodeOptions::synced_write_stall asks disk_stall()). Off
// unless the server runs with --experimental-fault-injection (scripts/chaos
// drives it over HTTP).
//
// FaultyTransport decorates the outgoing Transport; FaultySink decorates
// the MessageSink that incoming peer traffic is delivered to. A dropped
// snapshot is reported as failed, as a broken connection would be.
//
// Thread-safety: all methods are safe from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <utility>

#include "node/node.h"
#include "node/transport_sink.h"

namespace strata::node {

class FaultSwitch {
 public:
  // Drops what goes to `peer` (outgoing) and what comes from it (incoming).
  void set_blocked(std::set<raft::NodeId> outgoing, std::set<raft::NodeId> incoming);
  void heal() { set_blocked({}, {}); }
  bool blocks_to(raft::NodeId peer) const;
  bool blocks_from(raft::NodeId peer) const;
  std::set<raft::NodeId> blocked_to() const;
  std::set<raft::NodeId> blocked_from() const;

  // Holds every incoming raft message back for a delay drawn uniformly from
  // [min, max] (0, 0: none). REQUIRES: min <= max.
  void set_delay(std::chrono::milliseconds min, std::chrono::milliseconds max);
  std::pair<std::chrono::milliseconds, std::chrono::milliseconds> delay_range() const;
  // A draw from the delay range.
  std::chrono::milliseconds next_delay() const;

  // Stalls every synced raft log write for a time drawn uniformly from
  // [min, max] (0, 0: none). REQUIRES: min <= max.
  void set_disk_stall(std::chrono::milliseconds min, std::chrono::milliseconds max);
  std::pair<std::chrono::milliseconds, std::chrono::milliseconds> disk_stall_range() const;
  // A draw from the stall range.
  std::chrono::milliseconds disk_stall() const;

 private:
  // A draw from [min, max]. REQUIRES: mu_ held.
  std::chrono::milliseconds DrawLocked(std::chrono::milliseconds min,
                                       std::chrono::milliseconds max) const;

  mutable std::mutex mu_;
  std::set<raft::NodeId> to_;                              // Guarded by mu_.
  std::set<raft::NodeId> from_;                            // Guarded by mu_.
  std::chrono::milliseconds delay_min_{0}, delay_max_{0};  // Guarded by mu_.
  std::chrono::milliseconds stall_min_{0}, stall_max_{0};  // Guarded by mu_.
  mutable std::mt19937_64 rng_{1};                         // Guarded by mu_.
};

class FaultyTransport final : public Transport {
 public:
  // Neither owned; both outlive this.
  FaultyTransport(Transport* inner, const FaultSwitch* faults) : inner_(inner), faults_(faults) {}
  // Hears of dropped snapshots (not owned). REQUIRES: before any send.
  void set_sink(MessageSink* sink) { sink_ = sink; }
  void send(std::vector<raft::Message> messages) override;
  void forward(raft::NodeId leader, raft::RangeId range, std::string proposal) override;

 private:
  Transport* const inner_;
  const FaultSwitch* const faults_;
  MessageSink* sink_ = nullptr;
};

class FaultySink final : public MessageSink {
 public:
  // Neither owned; both outlive this (or its stop()).
  FaultySink(MessageSink* inner, const FaultSwitch* faults);
  ~FaultySink() override;  // stop().
  // Delivers what is not blocked: at once, or from the delay thread when
  // the switch holds messages back.
  void deliver(std::vector<raft::Message> messages) override;
  void deliver_forwarded(raft::RangeId range, std::string proposal) override {
    inner_->deliver_forwarded(range, std::move(proposal));
  }
  void report_snapshot(raft::RangeId range, raft::NodeId to, bool success) override {
    inner_->report_snapshot(range, to, success);
  }
  void report_unreachable(raft::RangeId range, raft::NodeId to) override {
    inner_->report_unreachable(range, to);
  }

  // Ends the delay thread, dropping what it still holds; later delayed
  // messages are dropped too. After it returns, the delay thread never
  // calls inner again. Idempotent.
  void stop();

 private:
  using Clock = std::chrono::steady_clock;
  void DelayLoop();

  MessageSink* const inner_;
  const FaultSwitch* const faults_;
  std::mutex mu_;
  std::condition_variable wake_;
  // Held-back messages by due time, then arrival.
  std::multimap<Clock::time_point, raft::Message> held_;  // Guarded by mu_.
  bool stopping_ = false;                                 // Guarded by mu_.
  std::thread delayer_;
};

}  // namespace strata::node

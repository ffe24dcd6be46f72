// Fault injection for fault tests: a switch that cuts this member off from
// chosen peers, in one direction or both, by dropping raft messages and
// forwarded proposals at the transport's edges. Off unless the server runs
// with --experimental-fault-injection (scripts/chaos drives it over HTTP).
//
// FaultyTransport decorates the outgoing Transport; FaultySink decorates
// the MessageSink that incoming peer traffic is delivered to. A dropped
// snapshot is reported as failed, as a broken connection would be.
//
// Thread-safety: all methods are safe from any thread.
#pragma once

#include <mutex>
#include <set>

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

 private:
  mutable std::mutex mu_;
  std::set<raft::NodeId> to_;    // Guarded by mu_.
  std::set<raft::NodeId> from_;  // Guarded by mu_.
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
  // Neither owned; both outlive this.
  FaultySink(MessageSink* inner, const FaultSwitch* faults) : inner_(inner), faults_(faults) {}
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

 private:
  MessageSink* const inner_;
  const FaultSwitch* const faults_;
};

}  // namespace strata::node

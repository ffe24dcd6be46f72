#include "node/fault_injection.h"

namespace strata::node {

void FaultSwitch::set_blocked(std::set<raft::NodeId> outgoing, std::set<raft::NodeId> incoming) {
  std::lock_guard lock(mu_);
  to_ = std::move(outgoing);
  from_ = std::move(incoming);
}

bool FaultSwitch::blocks_to(raft::NodeId peer) const {
  std::lock_guard lock(mu_);
  return to_.contains(peer);
}

bool FaultSwitch::blocks_from(raft::NodeId peer) const {
  std::lock_guard lock(mu_);
  return from_.contains(peer);
}

std::set<raft::NodeId> FaultSwitch::blocked_to() const {
  std::lock_guard lock(mu_);
  return to_;
}

std::set<raft::NodeId> FaultSwitch::blocked_from() const {
  std::lock_guard lock(mu_);
  return from_;
}

void FaultyTransport::send(std::vector<raft::Message> messages) {
  std::vector<raft::Message> passed;
  passed.reserve(messages.size());
  for (raft::Message& m : messages) {
    if (!faults_->blocks_to(m.to)) {
      passed.push_back(std::move(m));
    } else if (m.type == raft::MessageType::kSnapshot && sink_ != nullptr) {
      sink_->report_snapshot(m.range, m.to, false);
    }
  }
  if (!passed.empty()) inner_->send(std::move(passed));
}

void FaultyTransport::forward(raft::NodeId leader, raft::RangeId range, std::string proposal) {
  // A dropped forward times out at its origin, like one lost on the wire.
  if (!faults_->blocks_to(leader)) inner_->forward(leader, range, std::move(proposal));
}

void FaultySink::deliver(std::vector<raft::Message> messages) {
  std::erase_if(messages, [this](const raft::Message& m) { return faults_->blocks_from(m.from); });
  if (!messages.empty()) inner_->deliver(std::move(messages));
}

}  // namespace strata::node

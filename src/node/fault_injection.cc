#include "node/fault_injection.h"

#include "base/assert.h"

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

void FaultSwitch::set_delay(std::chrono::milliseconds min, std::chrono::milliseconds max) {
  STRATA_ASSERT(min <= max);
  std::lock_guard lock(mu_);
  delay_min_ = min;
  delay_max_ = max;
}

std::pair<std::chrono::milliseconds, std::chrono::milliseconds> FaultSwitch::delay_range() const {
  std::lock_guard lock(mu_);
  return {delay_min_, delay_max_};
}

std::chrono::milliseconds FaultSwitch::next_delay() const {
  std::lock_guard lock(mu_);
  return DrawLocked(delay_min_, delay_max_);
}

std::chrono::milliseconds FaultSwitch::DrawLocked(std::chrono::milliseconds min,
                                                  std::chrono::milliseconds max) const {
  if (max.count() == 0) return max;
  std::uniform_int_distribution<int64_t> draw(min.count(), max.count());
  return std::chrono::milliseconds(draw(rng_));
}

void FaultSwitch::set_disk_stall(std::chrono::milliseconds min, std::chrono::milliseconds max) {
  STRATA_ASSERT(min <= max);
  std::lock_guard lock(mu_);
  stall_min_ = min;
  stall_max_ = max;
}

std::pair<std::chrono::milliseconds, std::chrono::milliseconds> FaultSwitch::disk_stall_range()
    const {
  std::lock_guard lock(mu_);
  return {stall_min_, stall_max_};
}

std::chrono::milliseconds FaultSwitch::disk_stall() const {
  std::lock_guard lock(mu_);
  return DrawLocked(stall_min_, stall_max_);
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

FaultySink::FaultySink(MessageSink* inner, const FaultSwitch* faults)
    : inner_(inner), faults_(faults), delayer_([this] { DelayLoop(); }) {}

FaultySink::~FaultySink() { stop(); }

void FaultySink::deliver(std::vector<raft::Message> messages) {
  std::erase_if(messages, [this](const raft::Message& m) { return faults_->blocks_from(m.from); });
  if (messages.empty()) return;
  if (faults_->delay_range().second.count() == 0) return inner_->deliver(std::move(messages));
  const Clock::time_point now = Clock::now();
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    for (raft::Message& m : messages) held_.emplace(now + faults_->next_delay(), std::move(m));
  }
  wake_.notify_one();
}

void FaultySink::DelayLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    if (held_.empty()) {
      wake_.wait(lock);
      continue;
    }
    const Clock::time_point due = held_.begin()->first;
    if (Clock::now() < due) {
      wake_.wait_until(lock, due);
      continue;
    }
    std::vector<raft::Message> ready;
    auto end = held_.upper_bound(Clock::now());
    for (auto it = held_.begin(); it != end; ++it) ready.push_back(std::move(it->second));
    held_.erase(held_.begin(), end);
    lock.unlock();
    inner_->deliver(std::move(ready));
    lock.lock();
  }
}

void FaultySink::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    held_.clear();
  }
  wake_.notify_all();
  if (delayer_.joinable()) delayer_.join();
}

}  // namespace strata::node

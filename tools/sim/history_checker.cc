#include "history_checker.h"

#include <algorithm>

namespace strata::sim {

void HistoryChecker::on_write_invoke(SimTime now, const std::string& cmd) {
  auto [it, inserted] = writes_.emplace(cmd, Write{now, 0});
  if (!inserted) fail(now, "history: command " + cmd + " invoked twice (harness bug)");
}

void HistoryChecker::on_position(SimTime now, uint64_t position, const std::string& cmd) {
  if (position <= max_invoked_.size()) return;  // Known already (state machine safety checks it).
  if (position != max_invoked_.size() + 1) {
    fail(now, "history: position " + std::to_string(position) + " learned before position " +
                  std::to_string(max_invoked_.size() + 1));
    return;
  }
  auto it = writes_.find(cmd);
  if (it == writes_.end()) {
    fail(now, "history: register position " + std::to_string(position) + " holds " + cmd +
                  ", which no client invoked");
    max_invoked_.push_back(max_invoked_.empty() ? 0 : max_invoked_.back());
    return;
  }
  if (it->second.position != 0) {
    fail(now, "history: command " + cmd + " applied twice, at positions " +
                  std::to_string(it->second.position) + " and " + std::to_string(position));
  }
  it->second.position = position;
  SimTime prev = max_invoked_.empty() ? 0 : max_invoked_.back();
  max_invoked_.push_back(std::max(prev, it->second.invoked));
}

void HistoryChecker::on_write_ack(SimTime now, const std::string& cmd) {
  auto it = writes_.find(cmd);
  if (it == writes_.end() || it->second.position == 0) {
    fail(now, "history: write " + cmd + " acknowledged but never applied");
    return;
  }
  ++writes_acked_;
  max_acked_pos_ = std::max(max_acked_pos_, it->second.position);
}

uint64_t HistoryChecker::on_read_invoke(SimTime) {
  uint64_t id = next_read_++;
  reads_[id] = std::max(max_acked_pos_, max_read_pos_);
  return id;
}

void HistoryChecker::on_read_complete(SimTime now, uint64_t read_id, uint64_t observed) {
  auto it = reads_.find(read_id);
  if (it == reads_.end()) {
    fail(now, "history: unknown read " + std::to_string(read_id) + " (harness bug)");
    return;
  }
  uint64_t floor = it->second;
  reads_.erase(it);
  ++reads_checked_;
  if (observed < floor) {
    fail(now, "linearizability: read " + std::to_string(read_id) + " saw register length " +
                  std::to_string(observed) + " but a write at position " + std::to_string(floor) +
                  " was acknowledged (or read) before the read was invoked");
    return;
  }
  if (observed > max_invoked_.size()) {
    fail(now, "linearizability: read " + std::to_string(read_id) + " saw register length " +
                  std::to_string(observed) + " beyond anything applied");
    return;
  }
  if (observed > 0 && max_invoked_[observed - 1] > now) {
    fail(now, "linearizability: read " + std::to_string(read_id) +
                  " saw a write invoked after the read completed");
    return;
  }
  max_read_pos_ = std::max(max_read_pos_, observed);
}

}  // namespace strata::sim

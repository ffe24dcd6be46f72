// Checks the clients' history against the register for linearizability.
//
// Writes are unique commands; a write is acknowledged when the node that took
// it applies it, at a known register position. A read observes a register
// length p (it sees exactly positions 1..p). A completed read must see
//  - every write acknowledged before the read was invoked, and every position
//    an earlier completed read saw (reads never go back in real time);
//  - no write invoked after the read completed.
// Writes whose outcome is unknown (timed out, node crashed) may be anywhere.
//
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim_time.h"
#include "violations.h"

namespace strata::sim {

class HistoryChecker {
 public:
  explicit HistoryChecker(Violations* out) : out_(out) {}

  void on_write_invoke(SimTime now, const std::string& cmd);
  // The command landed at register `position` (first node to apply it).
  void on_position(SimTime now, uint64_t position, const std::string& cmd);
  // The write was acknowledged to its client. REQUIRES: on_position seen it.
  void on_write_ack(SimTime now, const std::string& cmd);
  // Returns a read id.
  uint64_t on_read_invoke(SimTime now);
  // The read saw register length `observed`.
  void on_read_complete(SimTime now, uint64_t read_id, uint64_t observed);
  // The read was given up (timeout, node crashed); nothing is checked.
  void on_read_abandon(uint64_t read_id) { reads_.erase(read_id); }

  uint64_t writes_acked() const { return writes_acked_; }
  uint64_t reads_checked() const { return reads_checked_; }
  // Highest position of an acknowledged write (0 if none).
  uint64_t max_acked_position() const { return max_acked_pos_; }

 private:
  struct Write {
    SimTime invoked = 0;
    uint64_t position = 0;  // 0: not applied yet.
  };
  void fail(SimTime now, std::string what) { out_->add(now, std::move(what)); }

  Violations* out_;
  std::unordered_map<std::string, Write> writes_;
  // max_invoked_[p - 1]: latest invocation among positions 1..p.
  std::vector<SimTime> max_invoked_;
  // read id -> lowest position it may observe.
  std::unordered_map<uint64_t, uint64_t> reads_;
  uint64_t next_read_ = 1;
  uint64_t max_acked_pos_ = 0;
  uint64_t max_read_pos_ = 0;
  uint64_t writes_acked_ = 0;
  uint64_t reads_checked_ = 0;
};

}  // namespace strata::sim

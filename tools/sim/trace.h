// The event trace of one simulated run.
//
// Recording is off by default so that bulk seed runs pay nothing for it; a
// failing seed is simply replayed with tracing on (runs are deterministic).
// When on, every event is hashed (so two runs can be compared cheaply), the
// last `tail_capacity` lines are kept, and lines may be echoed to a stream.
//
// Callers test on() before formatting an event:
//   if (trace.on()) trace.add(now, "n1 becomes leader term 3");
//
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <string>
#include <vector>

#include "sim_time.h"

namespace strata::sim {

class Trace {
 public:
  // A trace that records nothing.
  Trace() = default;
  // A recording trace. `echo` (may be null) gets every line as it happens.
  Trace(size_t tail_capacity, std::FILE* echo);

  bool on() const { return on_; }
  void add(SimTime now, std::string_view text);

  // FNV-1a over every line added so far; equal for identical runs.
  uint64_t hash() const { return hash_; }
  uint64_t lines() const { return lines_; }
  // The most recent lines, oldest first.
  std::vector<std::string> tail() const { return {tail_.begin(), tail_.end()}; }

 private:
  bool on_ = false;
  size_t tail_capacity_ = 0;
  std::FILE* echo_ = nullptr;
  uint64_t hash_ = 0xcbf29ce484222325ULL;
  uint64_t lines_ = 0;
  std::deque<std::string> tail_;
};

}  // namespace strata::sim

// Where checkers report broken invariants. A violation is a finding about the
// system under test, never a crash of the simulator: the run records it, stops
// the seed and prints the seed and its trace.
#pragma once

#include <string>
#include <vector>

#include "sim_time.h"

namespace strata::sim {

struct Violation {
  SimTime at = 0;
  std::string what;  // "<invariant>: <details>"
};

class Violations {
 public:
  void add(SimTime at, std::string what) { list_.push_back({at, std::move(what)}); }
  bool any() const { return !list_.empty(); }
  size_t size() const { return list_.size(); }
  const std::vector<Violation>& list() const { return list_; }

 private:
  std::vector<Violation> list_;
};

}  // namespace strata::sim

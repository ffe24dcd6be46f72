// The nemesis: combines enabled fault families by weight and injects one now
// and then, as configured.
//
// Thread-safety: none.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "fault.h"

namespace strata::sim {

struct NemesisOptions {
  struct Entry {
    std::string fault;  // A name MakeFault knows.
    uint64_t weight = 1;
  };
  std::vector<Entry> faults;
  // Chance per tick (per million) of trying to inject a fault.
  uint64_t fault_per_million = 50000;
};

// Every fault family with default weights.
NemesisOptions DefaultNemesisOptions();

class Nemesis {
 public:
  Nemesis(const NemesisOptions& options, uint64_t seed);

  // One tick of the fault phase: undo expired faults, maybe inject a new one.
  void step(Cluster& c);
  // Ends the fault phase: undoes every fault.
  void heal(Cluster& c);
  const FaultCounters& counters() const { return counters_; }

 private:
  NemesisOptions options_;
  Prng rng_;
  std::vector<std::unique_ptr<Fault>> faults_;
  std::vector<uint64_t> weights_;
  uint64_t total_weight_ = 0;
  FaultCounters counters_;
};

}  // namespace strata::sim

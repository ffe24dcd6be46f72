// Runs one seed end to end: a randomized cluster, workload and nemesis for a
// fault phase, then a heal phase (network healed, every node up, no faults)
// that must converge within a bound (liveness). All knobs not given in
// RunOptions are drawn from the seed, so a seed names a whole run.
//
// Thread-safety: none; RunSeed is a pure function of its options.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "nemesis.h"
#include "trace.h"
#include "violations.h"
#include "workload.h"

namespace strata::sim {

struct RunOptions {
  uint64_t seed = 1;
  // Initial voters. REQUIRES: 1..7.
  int nodes = 5;
  // Ticks of the fault phase.
  uint64_t steps = 4000;
  // The nemesis; default: DefaultNemesisOptions() with a seed-drawn rate.
  std::optional<NemesisOptions> nemesis;
};

struct RunResult {
  uint64_t seed = 0;
  uint64_t steps = 0;      // Ticks run, both phases.
  uint64_t elections = 0;  // Distinct (term, leader) pairs.
  std::vector<Violation> violations;
  std::map<std::string, uint64_t> counters;
  std::string knobs;  // The seed-drawn configuration, for humans.
};

RunResult RunSeed(const RunOptions& options, Trace* trace);

}  // namespace strata::sim

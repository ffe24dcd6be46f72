// One chaos run: start a cluster, run the workload under the nemesis for a
// bounded time, heal, converge and judge (see final_check.h). Prints the
// seed first (replay with the same options and --seed) and, last, the
// summary line `ops=N faults=F violations=V lost=L`.
//
// violations counts keys whose history no order explains, a cluster that
// did not converge to one HashKV, and members that did not recover or a
// cluster that stopped acknowledging writes although a majority was up.
// lost counts acknowledged writes missing from a member at the end.
//
// Thread-safety: call from one thread (it owns the server processes).
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

#include "base/status.h"
#include "tests/chaos/nemesis.h"
#include "tests/chaos/workload.h"

namespace strata::chaos {

struct RunOptions {
  // Members of the initial cluster. Default: 3.
  int members = 3;
  // Length of the fault phase. Default: 60 s.
  std::chrono::seconds duration{60};
  // History file; empty: history.jsonl in the cluster's directory.
  std::string history_path;
  // Keep the cluster's directory (data, logs, history) even on success.
  // It is always kept when the run finds a problem. Default: false.
  bool keep_dir = false;
  WorkloadOptions workload;
  NemesisOptions nemesis;  // nemesis.seed is the run's seed.
};

struct Summary {
  int64_t ops = 0;
  int faults = 0;
  int64_t violations = 0;
  int64_t lost = 0;
  std::string Line() const;  // "ops=N faults=F violations=V lost=L"
};

// Errors: the run could not be carried out (the cluster never started, the
// history could not be written or read); problems found are in the Summary.
Result<Summary> RunChaos(const RunOptions& options, std::ostream* log);

}  // namespace strata::chaos

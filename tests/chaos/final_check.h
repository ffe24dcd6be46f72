// The end of a chaos run: heal everything, wait for convergence, then judge.
//
//   Converge          every member running and unpaused, the fault switch
//                     cleared, a leader, every member caught up, HashKV
//                     equal on all members (kCorruption if it never is).
//   AppendFinalReads  one linearizable read of every register key (a single
//                     Range at one revision), added to the history so the
//                     checker judges the final state too.
//   CountLost         acknowledged log writes missing from any member
//                     (serializable reads of each member alone).
//   CheckLinearizable strata-check's verdict on the history file.
//
// Thread-safety: none; runs on the thread that owns the cluster.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "base/status.h"
#include "tests/chaos/chaos_cluster.h"
#include "tools/check/history_writer.h"

namespace strata::chaos {

Status Converge(ChaosCluster* cluster);

// `process` must not be used by any client.
Status AppendFinalReads(ChaosCluster* cluster, const std::string& register_prefix,
                        const std::vector<std::string>& keys, int64_t process,
                        check::HistoryWriter* history);

// The number of `acked` keys (all under `prefix`) that some running member
// does not hold; each missing one is described on `log`. kUnavailable if a
// member could not be read.
Result<int64_t> CountLost(ChaosCluster* cluster, const std::string& prefix,
                          const std::vector<std::string>& acked, std::ostream* log);

struct Linearizability {
  int64_t ops = 0;           // Ok and info ops checked.
  int64_t failed = 0;        // Fail ops (dropped).
  int64_t violations = 0;    // Keys no order explains.
  int64_t unknown_keys = 0;  // Keys whose search ran out of budget.
};

// Reads the history file and checks it; the report goes to `log` (in full
// when a key fails). kInvalidArgument if the file does not parse.
Result<Linearizability> CheckLinearizable(const std::string& history_path, std::ostream* log);

}  // namespace strata::chaos

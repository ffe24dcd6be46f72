// The load engine: clients spread over worker threads, each thread driving
// its clients through one gRPC completion queue (the async API: no thread
// per request, little client CPU per request).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "connect.h"
#include "histogram.h"
#include "options.h"

namespace strata::bench {

struct RunResult {
  Histogram latency;  // Of requests answered OK, compare failures included.
  uint64_t ops = 0;   // Requests answered OK, compare failures included.
  uint64_t errors = 0;
  uint64_t compare_failures = 0;                   // txn-cas: the version had moved on.
  uint64_t keys_loaded = 0;                        // Load phase only.
  double elapsed_s = 0;                            // The measured window.
  std::map<std::string, uint64_t> errors_by_code;  // "UNAVAILABLE" -> count.
  std::string first_error;                         // "UNAVAILABLE: <message>".
};

enum class Phase {
  kLoad,  // Write keys [0, --load) in Txn batches, until done or --load-timeout.
  kRun,   // The workload, for --warmup and then --duration or --total requests.
};

// Runs one phase over conns (client j uses conns[j mod size]); blocks until
// every request has finished. Requests due before the warmup ends, or
// finishing after --duration, are left out of the result.
// REQUIRES: conns is not empty; options validated by ParseArgs.
RunResult Run(const Options& options, const std::vector<Connection>& conns, Phase phase);

}  // namespace strata::bench

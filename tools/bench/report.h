// strata-bench's output: a readable table, or one JSON object (--json).
#pragma once

#include <optional>
#include <string>

#include "engine.h"
#include "options.h"

namespace strata::bench {

// The JSON object: ops, errors, compare_failures, throughput (ops/s),
// p50_ms ... p999_ms, max_ms, mean_ms, the workload and its parameters, and
// under "load" the load phase when there was one. run is absent for a
// load-only invocation.
std::string JsonReport(const Options& o, const std::optional<RunResult>& load,
                       const std::optional<RunResult>& run);

// The same as an aligned, human-readable table.
std::string TableReport(const Options& o, const std::optional<RunResult>& load,
                        const std::optional<RunResult>& run);

}  // namespace strata::bench

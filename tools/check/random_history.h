// Random histories that are linearizable by construction, for tests and for
// measuring the checker (strata-check-gen). history_corruption.h breaks them.
//
// Clients run against a real sequential store: each op takes effect at one
// random instant inside its interval, so the instants are a linearization.
// An info op takes effect at a random instant after its invoke (possibly
// after the client gave up) or never; a failed op never does.
//
// Thread-safety: free functions with no shared state; same options, same
// events, on every platform.
#pragma once

#include <cstdint>
#include <vector>

#include "tools/check/event.h"

namespace strata::check {

struct GeneratorOptions {
  uint64_t seed = 1;
  int processes = 5;
  int keys = 10;
  int ops = 1000;               // Ops invoked, over all processes.
  double info_fraction = 0.05;  // Outcome lost; half of these take effect.
  double fail_fraction = 0.01;  // Rejected without effect.
  int value_domain = 0;         // 0: every written value is unique; N: drawn from N.
  bool record_versions = true;  // Gets record the version they read.
};

// The events of one run, in time order. Times are nanoseconds; ops last
// 2 to 100 microseconds.
std::vector<Event> GenerateHistory(const GeneratorOptions& options);

}  // namespace strata::check

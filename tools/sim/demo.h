// `strata-sim --demo`: a short, human-readable run of a small cluster: an
// election, replicated client writes, the leader crashing, a new election,
// the old leader restarting and catching up. Deterministic.
#pragma once

#include <cstdio>

namespace strata::sim {

// Prints the story to `out`; returns the number of violations (0 expected).
int RunDemo(std::FILE* out);

}  // namespace strata::sim

// Virtual time of the simulation. Nodes see whole ticks (Raft::tick); the
// network delivers messages at sub-tick instants in between, so delivery order
// is finer than the tick clock. No wall clock is ever read.
#pragma once

#include <cstdint>
#include <string>

namespace strata::sim {

// Sub-tick units since the start of a run.
using SimTime = uint64_t;

inline constexpr SimTime kSubticksPerTick = 1000;

inline constexpr SimTime TickStart(uint64_t tick) { return tick * kSubticksPerTick; }

// "12.345" for tick 12, sub-tick 345.
std::string FormatTime(SimTime t);

}  // namespace strata::sim

// Renderings of a Report: text for people, JSON for programs.
//
// Thread-safety: free functions with no shared state.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "tools/check/checker.h"

namespace strata::check {

// One row per op, in the given order: process, call, outcome, invoke and end
// times (ns) and the history file's lines. Every row starts with `indent`.
std::string FormatOpsTable(std::span<const Op> ops, std::string_view indent);

// A summary (ops, keys, time), one line per key (at most
// `max_passing_keys` of the linearizable ones), then each failing key's
// sub-history as a table, and a last line with the verdict.
std::string FormatText(const Report& r, size_t max_passing_keys = 20);

// The report as one JSON object (fields in README.md); a failing key's
// sub-history is a list of events in the history file format.
std::string FormatJson(const Report& r);

}  // namespace strata::check

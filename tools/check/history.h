// A history: the ops of a test run, paired from their invoke and end events.
//
// HistoryBuilder takes events in file order. Each process has at most one
// open op: its next event after an invoke ends that op. After an info op
// the process may invoke again (the info op stays open in the checker's
// eyes, concurrent with everything after it). An invoke that never ends
// becomes an info op.
//
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "base/status.h"
#include "tools/check/event.h"
#include "tools/check/op.h"

namespace strata::check {

struct History {
  // Ok and info ops, in the order they ended (open ones last).
  std::vector<Op> ops;
  // Ops that ended with "fail": they did not happen and are not in ops.
  int64_t failed = 0;
  // Invokes without an end, kept in ops as info ops.
  int64_t unfinished = 0;
};

class HistoryBuilder {
 public:
  // Adds the next event; `line` (1-based, 0 for none) is kept in the op and
  // named in errors. Errors (kInvalidArgument): an end with no open op, an
  // invoke while the process has an open op, an end whose op or key differs
  // from its invoke, an end before its invoke. The builder is unchanged on
  // error.
  Status Add(const Event& e, int64_t line = 0);

  // The history so far; still-open invokes become info ops (error
  // "no completion in history"). The builder is left empty.
  History Finish();

 private:
  std::map<int64_t, Op> open_;  // By process: ordered, so Finish() is deterministic.
  History history_;
};

// The events that make up `ops` (the inverse of HistoryBuilder), sorted by
// time; each process's events keep their order. An unfinished invoke (an
// info op with end_line 0 read from a file) gets no end event.
std::vector<Event> ToEvents(std::span<const Op> ops);

}  // namespace strata::check

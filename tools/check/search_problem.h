// The ops of one key, prepared for the linearizability search.
//
// Ops are numbered for the search's bitset: ok ops first, in invoke order,
// then info ops, in invoke order. Info gets are left out (they observed
// nothing and changed nothing). Info ops with the same effect form a group:
// once invoked they are interchangeable, so the search only ever places the
// earliest one not yet placed (the members placed are a prefix).
//
// Thread-safety: value type.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tools/check/kv_model.h"
#include "tools/check/op.h"

namespace strata::check {

struct SearchProblem {
  std::vector<ModelOp> ops;
  std::vector<int64_t> invoke;    // By id.
  std::vector<int64_t> deadline;  // By id: kNever for info ops.
  uint32_t ok_ops = 0;            // Ids below this are ok ops.

  // By id: the observed value the op may write (kUnobserved if none).
  std::vector<int32_t> writes;
  // By id: the value an ok op needs the key to hold (a get's result, a
  // succeeded cas's expected value), or kUnobserved.
  std::vector<int32_t> needs;
  // By id: the value the op compares the key with (an ok get's result,
  // any cas's expected value), or kUnobserved.
  std::vector<int32_t> compares;
  // By id: whether the op compares the key's version (an ok get that
  // recorded it, any cas on version).
  std::vector<bool> compares_version;
  int32_t values = 0;  // Observed value ids are 1..values.
  // By observed value: the ok ops that need it, in invoke order.
  std::vector<std::vector<uint32_t>> needers;

  std::vector<std::vector<uint32_t>> groups;  // Info ops with one effect, in invoke order.
  std::vector<uint32_t> group_of;             // By id - ok_ops.
  // Info puts of observed values (interchangeable only while no unplaced op
  // compares with their value), in invoke order.
  std::vector<uint32_t> observed_info_puts;
  int32_t delete_group = -1;      // Info deletes, if any: all interchangeable.
  int32_t unobserved_group = -1;  // Info puts of values nobody observes, if any: likewise.
};

// Numbers, groups and describes `ops` for the search (the pointers need
// not outlive the result). REQUIRES: every op has the same key.
SearchProblem PrepareSearch(std::span<const Op* const> ops);

}  // namespace strata::check

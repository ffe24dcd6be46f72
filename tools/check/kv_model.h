// The sequential model the search runs: etcd's register for one key.
//
// Values become small ids. A value that no op observes (no get returns it,
// no cas compares with it) is told apart from no other such value by any
// step, so all of them share the id kUnobserved; this keeps the state small
// and makes info ops that write such values interchangeable.
//
// Thread-safety: values and free functions.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tools/check/op.h"

namespace strata::check {

inline constexpr int32_t kAbsent = -1;
inline constexpr int32_t kUnobserved = 0;

struct KvState {
  int32_t value = kAbsent;
  int64_t version = 0;  // Puts since creation; 0 exactly when absent.

  // The state as one word (for the search's cache).
  uint64_t Pack() const {
    return (uint64_t{static_cast<uint32_t>(value)} << 32) | static_cast<uint32_t>(version);
  }
};

// One op of one key, with value ids in place of strings.
struct ModelOp {
  OpKind kind = OpKind::kGet;
  bool info = false;
  int32_t value = kUnobserved;  // put, cas: the value written.
  CasCompare compare = CasCompare::kVersion;
  int64_t expected_version = 0;
  int32_t expected_value = kUnobserved;
  int32_t read_value = kAbsent;  // ok get: what it returned.
  int64_t read_version = -1;     // ok get: -1 when not recorded.
  bool succeeded = false;        // ok cas.
  int8_t deleted = -1;           // ok delete: 0 or 1; -1 when not recorded.
};

// Takes `op` from state *s, updating *s. An ok op returns false when its
// reply contradicts *s (then *s is unspecified). An info op returns false
// when taking effect would change nothing (an info get, a delete of an
// absent key, a cas whose compare fails): the search then leaves it out.
bool Step(const ModelOp& op, KvState* s);

// Translates the ops of one key, in order. REQUIRES: every op has the same key.
std::vector<ModelOp> CompileOps(std::span<const Op* const> ops);

}  // namespace strata::check

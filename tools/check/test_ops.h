// Test helpers: ops with explicit times, and the verdict on them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tools/check/linearizability.h"
#include "tools/check/op.h"

namespace strata::check::testing {

// An ok op of `process` on [invoke, end].
inline Op Ok(Call call, Reply reply, int64_t invoke, int64_t end, int64_t process = 1) {
  Op op;
  op.process = process;
  op.call = std::move(call);
  op.reply = std::move(reply);
  op.invoke_ns = invoke;
  op.end_ns = end;
  return op;
}

// An op whose outcome is unknown; the client gave up at `end`.
inline Op Info(Call call, int64_t invoke, int64_t end, int64_t process = 1) {
  Op op = Ok(std::move(call), Reply(), invoke, end, process);
  op.outcome = Outcome::kInfo;
  op.error = "deadline exceeded";
  return op;
}

inline Op PutOk(std::string value, int64_t invoke, int64_t end, int64_t process = 1) {
  return Ok(Call::Put("k", std::move(value)), Reply::Put(), invoke, end, process);
}

// A get on "k" that returned `value` (nullopt: absent).
inline Op GetOk(std::optional<std::string> value, int64_t invoke, int64_t end, int64_t process = 1,
                std::optional<int64_t> version = {}) {
  return Ok(Call::Get("k"), Reply::Get(std::move(value), version), invoke, end, process);
}

inline std::vector<const Op*> Pointers(const std::vector<Op>& ops) {
  std::vector<const Op*> out;
  for (const Op& op : ops) out.push_back(&op);
  return out;
}

inline Verdict KeyVerdict(const std::vector<Op>& ops, bool quick_proofs = true,
                          uint64_t max_states = 2'000'000) {
  SearchOptions o;
  o.quick_proofs = quick_proofs;
  o.max_states = max_states;
  return CheckKey(Pointers(ops), o).verdict;
}

}  // namespace strata::check::testing

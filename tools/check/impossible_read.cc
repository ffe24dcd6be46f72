#include "tools/check/impossible_read.h"

#include <algorithm>
#include <vector>

namespace strata::check {

namespace {

// What an ok op that changed the key left in it; nullopt if it changed nothing.
std::optional<int32_t> LeftBehind(const ModelOp& m) {
  if (m.info) return std::nullopt;
  switch (m.kind) {
    case OpKind::kPut:
      return m.value;
    case OpKind::kCas:
      return m.succeeded ? std::optional<int32_t>(m.value) : std::nullopt;
    case OpKind::kDelete:
      return kAbsent;
    case OpKind::kGet:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::optional<uint32_t> FindImpossibleRead(const SearchProblem& p) {
  std::vector<std::vector<uint32_t>> writers(p.values + 1);
  for (uint32_t id = 0; id < p.ops.size(); ++id) {
    if (p.writes[id] != kUnobserved) writers[p.writes[id]].push_back(id);
  }
  // Ok ops that changed the key, in invoke order (ok ids already are).
  std::vector<uint32_t> changers;
  for (uint32_t id = 0; id < p.ok_ops; ++id) {
    if (LeftBehind(p.ops[id])) changers.push_back(id);
  }
  // True when some changer leaving anything but x starts after `after` and
  // ends before `before`.
  auto shadowed = [&](int32_t x, int64_t after, int64_t before) {
    auto it = std::upper_bound(changers.begin(), changers.end(), after,
                               [&](int64_t t, uint32_t id) { return t < p.invoke[id]; });
    for (; it != changers.end() && p.invoke[*it] < before; ++it) {
      if (p.deadline[*it] < before && *LeftBehind(p.ops[*it]) != x) return true;
    }
    return false;
  };
  std::optional<uint32_t> found;
  for (uint32_t r = 0; r < p.ok_ops; ++r) {
    const int32_t x = p.needs[r];
    if (x == kUnobserved) continue;
    if (found && p.deadline[r] >= p.deadline[*found]) continue;
    bool possible = false;
    for (uint32_t w : writers[x]) {
      if (w == r || p.invoke[w] > p.deadline[r]) continue;
      if (p.ops[w].info || !shadowed(x, p.deadline[w], p.invoke[r])) {
        possible = true;
        break;
      }
    }
    if (!possible) found = r;
  }
  return found;
}

}  // namespace strata::check

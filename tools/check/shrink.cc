#include "tools/check/shrink.h"

#include <algorithm>
#include <memory>

#include "base/assert.h"

namespace strata::check {

namespace {

// True for an ok op that cannot have changed the key.
bool ChangedNothing(const Op& op) {
  switch (op.call.kind) {
    case OpKind::kGet:
      return true;
    case OpKind::kCas:
      return !op.reply.succeeded;
    case OpKind::kDelete:
      return op.reply.deleted == 0;
    case OpKind::kPut:
      return false;
  }
  return false;
}

// The input's ops, each either in the core (as recorded) or weakened.
class Shrinker {
 public:
  Shrinker(std::span<const Op* const> ops, const SearchOptions& options)
      : options_(options), ops_(ops.begin(), ops.end()) {
    for (const Op* op : ops_) {
      std::unique_ptr<Op> weak;
      if (op->outcome == Outcome::kInfo) {
        weak = std::make_unique<Op>(*op);  // Already as weak as it gets.
      } else if (!ChangedNothing(*op)) {
        weak = std::make_unique<Op>(*op);
        weak->outcome = Outcome::kInfo;
        weak->reply = Reply();
        // A cas that may have happened whatever its compare found: weaker
        // still, and all such puts of irrelevant values are interchangeable,
        // which keeps the searches small.
        if (weak->call.kind == OpKind::kCas) weak->call = Call::Put(op->call.key, op->call.value);
      }
      weak_.push_back(std::move(weak));
    }
  }

  // Input indexes of the ok ops: the starting core.
  std::vector<size_t> OkOps() const {
    std::vector<size_t> out;
    for (size_t i = 0; i < ops_.size(); ++i) {
      if (ops_[i]->outcome == Outcome::kOk) out.push_back(i);
    }
    return out;
  }

  // Searches the input with `core` as recorded and the rest weakened, with
  // at most `max_states` configurations. REQUIRES: core is sorted.
  SearchResult Check(const std::vector<size_t>& core, uint64_t max_states) {
    ++checks_;
    std::vector<const Op*> h;
    size_t c = 0;
    for (size_t i = 0; i < ops_.size(); ++i) {
      if (c < core.size() && core[c] == i) {
        h.push_back(ops_[i]);
        ++c;
      } else if (weak_[i] != nullptr) {
        h.push_back(weak_[i].get());
      }
    }
    SearchOptions o = options_;
    o.max_states = std::min(o.max_states, max_states);
    const SearchResult r = CheckKey(h, o);
    states_ += r.states;
    return r;
  }

  // Core ops invoked after `horizon_ns` were never candidates: weaken them.
  std::vector<size_t> Truncate(std::vector<size_t> core, int64_t horizon_ns) const {
    std::erase_if(core, [&](size_t i) { return ops_[i]->invoke_ns > horizon_ns; });
    return core;
  }

  const Op* op(size_t i) const { return ops_[i]; }
  int checks() const { return checks_; }
  uint64_t states() const { return states_; }

 private:
  const SearchOptions options_;
  std::vector<const Op*> ops_;
  std::vector<std::unique_ptr<Op>> weak_;  // Null: dropped when outside the core.
  int checks_ = 0;
  uint64_t states_ = 0;
};

}  // namespace

ShrinkResult ShrinkViolation(std::span<const Op* const> ops, const SearchOptions& options,
                             const ShrinkLimits& limits) {
  Shrinker shrinker(ops, options);
  std::vector<size_t> core = shrinker.OkOps();
  const SearchResult first = shrinker.Check(core, options.max_states);
  STRATA_ASSERT_MSG(first.verdict == Verdict::kViolation, "shrinking a history that passes");
  core = shrinker.Truncate(std::move(core), first.horizon_ns);
  ShrinkResult r;
  size_t parts = 2;
  while (core.size() >= 2) {
    const size_t chunk = (core.size() + parts - 1) / parts;
    bool reduced = false;
    bool pass_complete = true;
    for (size_t start = 0; start < core.size(); start += chunk) {
      if (shrinker.checks() >= limits.max_checks || shrinker.states() >= limits.max_states) {
        pass_complete = false;
        break;
      }
      std::vector<size_t> without(core.begin(), core.begin() + start);
      without.insert(without.end(), core.begin() + std::min(core.size(), start + chunk),
                     core.end());
      const SearchResult s = shrinker.Check(
          without, std::min(limits.max_states_per_search, limits.max_states - shrinker.states()));
      if (s.verdict == Verdict::kViolation) {
        core = shrinker.Truncate(std::move(without), s.horizon_ns);
        parts = std::max<size_t>(parts - 1, 2);
        reduced = true;
        break;
      }
    }
    if (reduced) continue;
    if (!pass_complete) break;
    if (chunk == 1) {
      r.minimal = true;
      break;
    }
    parts = std::min(parts * 2, core.size());
  }
  // One op that fails with everything else weakened is minimal by itself.
  if (core.size() == 1) r.minimal = true;
  for (size_t i : core) r.ops.push_back(shrinker.op(i));
  r.checks = shrinker.checks();
  r.states = shrinker.states();
  return r;
}

}  // namespace strata::check

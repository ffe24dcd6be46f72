// Cross-checks CheckKey against linearizability by definition on tiny
// histories: try every subset of info ops and every order, keep the orders
// that respect real time, and run them on a separately written register.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>
#include <tuple>

#include "tools/check/history.h"
#include "tools/check/linearizability.h"
#include "tools/check/random_history.h"
#include "tools/check/shrink.h"
#include "tools/check/test_ops.h"

namespace strata::check {
namespace {

struct Register {
  bool present = false;
  std::string value;
  int64_t version = 0;
};

// Runs `op` on r; false when its reply says otherwise.
bool Apply(const Op& op, Register* r) {
  const Call& c = op.call;
  const bool info = op.outcome == Outcome::kInfo;
  const Reply& reply = op.reply;
  if (c.kind == OpKind::kGet) {
    if (info) return true;
    if (reply.value.has_value() != r->present) return false;
    if (reply.value && *reply.value != r->value) return false;
    return !reply.version || *reply.version == r->version;
  }
  if (c.kind == OpKind::kDelete) {
    if (!info && reply.deleted && (*reply.deleted == 1) != r->present) return false;
    *r = Register();
    return true;
  }
  bool write = true;
  if (c.kind == OpKind::kCas) {
    const bool holds = c.compare == CasCompare::kVersion
                           ? r->version == c.expected_version
                           : (r->present && r->value == c.expected_value);
    if (!info && reply.succeeded != holds) return false;
    write = holds;
  }
  if (write) {
    r->present = true;
    r->value = c.value;
    r->version += 1;
  }
  return true;
}

bool LinearizableByDefinition(const std::vector<Op>& ops) {
  std::vector<size_t> ok, info;
  for (size_t i = 0; i < ops.size(); ++i) {
    (ops[i].outcome == Outcome::kOk ? ok : info).push_back(i);
  }
  for (uint32_t mask = 0; mask < (1u << info.size()); ++mask) {
    std::vector<size_t> order = ok;
    for (size_t j = 0; j < info.size(); ++j) {
      if (mask & (1u << j)) order.push_back(info[j]);
    }
    std::sort(order.begin(), order.end());
    do {
      bool valid = true;
      // Real time: nothing comes after an op that was invoked after it ended.
      for (size_t a = 0; a < order.size() && valid; ++a) {
        for (size_t b = a + 1; b < order.size() && valid; ++b) {
          if (ops[order[b]].deadline_ns() < ops[order[a]].invoke_ns) valid = false;
        }
      }
      Register r;
      for (size_t a = 0; a < order.size() && valid; ++a) valid = Apply(ops[order[a]], &r);
      if (valid) return true;
    } while (std::next_permutation(order.begin(), order.end()));
  }
  return false;
}

// Changes one ok reply at random, so that about half the histories fail.
void Perturb(std::vector<Op>* ops, uint64_t seed) {
  std::vector<size_t> ok;
  for (size_t i = 0; i < ops->size(); ++i) {
    if ((*ops)[i].outcome == Outcome::kOk) ok.push_back(i);
  }
  if (ok.empty()) return;
  Op& op = (*ops)[ok[seed % ok.size()]];
  const uint64_t how = (seed / 7) % 3;
  switch (op.call.kind) {
    case OpKind::kGet:
      if (how == 0) {
        op.reply = Reply::Get(std::nullopt);
      } else if (how == 1) {
        op.reply = Reply::Get("v" + std::to_string(seed % 2));
      } else if (op.reply.version) {
        op.reply.version = *op.reply.version + 1;
      }
      break;
    case OpKind::kCas:
      op.reply.succeeded = !op.reply.succeeded;
      break;
    case OpKind::kDelete:
      op.reply.deleted = op.reply.deleted.value_or(0) == 1 ? 0 : 1;
      break;
    case OpKind::kPut:
      op.invoke_ns = std::max<int64_t>(0, op.invoke_ns - 200'000);  // Stretch it back in time.
      break;
  }
}

TEST(BruteForceTest, SearchAgreesWithTheDefinition) {
  int violations = 0;
  int checked = 0;
  for (uint64_t seed = 1; seed <= 1500; ++seed) {
    GeneratorOptions g;
    g.seed = seed;
    g.processes = 3;
    g.keys = 1;
    g.ops = 7;
    g.info_fraction = 0.25;
    g.fail_fraction = 0.05;
    g.value_domain = 2;
    g.record_versions = seed % 2 == 0;
    HistoryBuilder b;
    for (const Event& e : GenerateHistory(g)) ASSERT_TRUE(b.Add(e).ok());
    std::vector<Op> ops = b.Finish().ops;
    if (seed % 2 == 1) Perturb(&ops, seed);
    const bool want = LinearizableByDefinition(ops);
    violations += !want;
    ++checked;
    for (bool quick : {true, false}) {
      const Verdict got = testing::KeyVerdict(ops, quick);
      ASSERT_EQ(got, want ? Verdict::kLinearizable : Verdict::kViolation)
          << "seed " << seed << (quick ? " with" : " without") << " quick proofs";
    }
  }
  // Both outcomes were exercised.
  EXPECT_GT(violations, checked / 10);
  EXPECT_LT(violations, checked - checked / 10);
}

// Linearizability by a plain memoized search over (ops placed, register):
// an op may come next when it was invoked before every unplaced ok op's
// deadline (the rule the test above checks against all orders), with none
// of CheckKey's pruning.
class NaiveSearch {
 public:
  explicit NaiveSearch(const std::vector<Op>& ops) : ops_(ops) {}

  bool Linearizable() { return From(0, Register()); }

 private:
  bool From(uint32_t placed, const Register& r) {
    int64_t limit = kNever;
    bool all_ok_placed = true;
    for (size_t i = 0; i < ops_.size(); ++i) {
      if ((placed >> i) & 1 || ops_[i].outcome != Outcome::kOk) continue;
      all_ok_placed = false;
      limit = std::min(limit, ops_[i].end_ns);
    }
    if (all_ok_placed) return true;
    if (!failed_.insert({placed, r.present, r.value, r.version}).second) return false;
    for (size_t i = 0; i < ops_.size(); ++i) {
      if ((placed >> i) & 1 || ops_[i].invoke_ns > limit) continue;
      Register next = r;
      if (Apply(ops_[i], &next) && From(placed | (1u << i), next)) return true;
    }
    return false;
  }

  const std::vector<Op>& ops_;
  std::set<std::tuple<uint32_t, bool, std::string, int64_t>> failed_;
};

// `ops` with the ones outside `core` weakened as shrink.h says, by its
// words: ok writes become info ops (a cas an info put), ok ops that changed
// nothing go, info ops stay.
std::vector<Op> Weakened(const std::vector<Op>& ops, const std::vector<const Op*>& core) {
  std::vector<Op> out;
  for (const Op& op : ops) {
    if (std::find(core.begin(), core.end(), &op) != core.end() || op.outcome == Outcome::kInfo) {
      out.push_back(op);
      continue;
    }
    const bool changed_nothing = op.call.kind == OpKind::kGet ||
                                 (op.call.kind == OpKind::kCas && !op.reply.succeeded) ||
                                 (op.call.kind == OpKind::kDelete && op.reply.deleted == 0);
    if (changed_nothing) continue;
    Op weak = op;
    weak.outcome = Outcome::kInfo;
    weak.reply = Reply();
    if (weak.call.kind == OpKind::kCas) weak.call = Call::Put("k", op.call.value);
    out.push_back(weak);
  }
  return out;
}

// The shrinker's promises, checked by the naive search: the core fails with
// the rest weakened, and alone; if minimal, weakening any one of its ops too
// makes it pass.
void CheckCore(const std::vector<Op>& ops, uint64_t seed) {
  const ShrinkResult r = ShrinkViolation(testing::Pointers(ops), SearchOptions(), ShrinkLimits());
  ASSERT_FALSE(r.ops.empty()) << "seed " << seed;
  EXPECT_FALSE(NaiveSearch(Weakened(ops, r.ops)).Linearizable()) << "seed " << seed;
  std::vector<Op> alone;
  for (const Op* op : r.ops) alone.push_back(*op);
  EXPECT_FALSE(NaiveSearch(alone).Linearizable()) << "seed " << seed;
  if (!r.minimal) return;
  for (size_t i = 0; i < r.ops.size(); ++i) {
    std::vector<const Op*> smaller = r.ops;
    smaller.erase(smaller.begin() + i);
    EXPECT_TRUE(NaiveSearch(Weakened(ops, smaller)).Linearizable()) << "seed " << seed;
  }
}

TEST(BruteForceTest, SearchAgreesWithANaiveSearchOnLongerHistories) {
  // Also checks the horizon, which the shrinker relies on, and the cores.
  int violations = 0;
  for (uint64_t seed = 1; seed <= 1000; ++seed) {
    GeneratorOptions g;
    g.seed = seed;
    g.processes = 4;
    g.keys = 1;
    g.ops = 24;
    g.info_fraction = 0.3;
    g.fail_fraction = 0.05;
    g.value_domain = seed % 3 == 0 ? 0 : 3;
    g.record_versions = seed % 2 == 0;
    HistoryBuilder b;
    for (const Event& e : GenerateHistory(g)) ASSERT_TRUE(b.Add(e).ok());
    std::vector<Op> ops = b.Finish().ops;
    if (seed % 2 == 1) Perturb(&ops, seed);
    const bool want = NaiveSearch(ops).Linearizable();
    violations += !want;
    for (bool quick : {true, false}) {
      SearchOptions o;
      o.quick_proofs = quick;
      const SearchResult got = CheckKey(testing::Pointers(ops), o);
      ASSERT_EQ(got.verdict, want ? Verdict::kLinearizable : Verdict::kViolation)
          << "seed " << seed << (quick ? " with" : " without") << " quick proofs";
      if (want) continue;
      // Without the ops invoked after the horizon, it still fails.
      std::vector<Op> early;
      for (const Op& op : ops) {
        if (op.invoke_ns <= got.horizon_ns) early.push_back(op);
      }
      ASSERT_FALSE(NaiveSearch(early).Linearizable()) << "seed " << seed;
    }
    // Some seeds only: naive searches of weakened histories are slow.
    if (!want && seed % 5 == 1) CheckCore(ops, seed);
  }
  EXPECT_GT(violations, 100);
}

}  // namespace
}  // namespace strata::check

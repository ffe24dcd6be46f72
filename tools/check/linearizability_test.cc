// CheckKey on hand-made histories of one key, each run twice: with the
// quick proof of impossible reads, and with the search alone.
#include "tools/check/linearizability.h"

#include <gtest/gtest.h>

#include "tools/check/test_ops.h"

namespace strata::check {
namespace {

using testing::GetOk;
using testing::Info;
using testing::Ok;
using testing::PutOk;

class LinearizabilityTest : public ::testing::TestWithParam<bool> {
 protected:
  Verdict Check(const std::vector<Op>& ops) { return testing::KeyVerdict(ops, GetParam()); }
};

INSTANTIATE_TEST_SUITE_P(QuickProofsAndSearchAlone, LinearizabilityTest, ::testing::Bool());

constexpr Verdict kOk = Verdict::kLinearizable;
constexpr Verdict kBad = Verdict::kViolation;

TEST_P(LinearizabilityTest, EmptyAndReadOnlyHistories) {
  EXPECT_EQ(Check({}), kOk);
  EXPECT_EQ(Check({GetOk(std::nullopt, 0, 10)}), kOk);  // The key starts absent.
  EXPECT_EQ(Check({GetOk("a", 0, 10)}), kBad);
}

TEST_P(LinearizabilityTest, ConcurrentPutsWithAReadThatCanBeOrdered) {
  // Two overlapping puts: either may be last, so a later read may see either.
  const Op put_a = PutOk("a", 0, 10, 1);
  const Op put_b = PutOk("b", 2, 12, 2);
  EXPECT_EQ(Check({put_a, put_b, GetOk("a", 20, 30, 3)}), kOk);
  EXPECT_EQ(Check({put_a, put_b, GetOk("b", 20, 30, 3)}), kOk);
  // But two later reads that disagree cannot both be right.
  EXPECT_EQ(Check({put_a, put_b, GetOk("a", 20, 30, 3), GetOk("b", 40, 50, 3)}), kBad);
  // A read concurrent with a put may see the old value or the new one.
  EXPECT_EQ(Check({PutOk("a", 0, 10), PutOk("b", 20, 40, 1), GetOk("a", 30, 35, 2)}), kOk);
  EXPECT_EQ(Check({PutOk("a", 0, 10), PutOk("b", 20, 40, 1), GetOk("b", 30, 35, 2)}), kOk);
}

TEST_P(LinearizabilityTest, ReadOfAValueNeverWritten) {
  EXPECT_EQ(Check({PutOk("a", 0, 10), GetOk("z", 20, 30, 2)}), kBad);
}

TEST_P(LinearizabilityTest, StaleReadAfterANewerWriteCompleted) {
  // The deposed leader: b was acknowledged, then a read invoked later
  // still returns a.
  EXPECT_EQ(Check({PutOk("a", 0, 10), PutOk("b", 20, 30), GetOk("a", 40, 50, 2)}), kBad);
  // Invoked before b was acknowledged, the same read is fine.
  EXPECT_EQ(Check({PutOk("a", 0, 10), PutOk("b", 20, 30), GetOk("a", 25, 50, 2)}), kOk);
  // Reads never go back: once a read saw b, a later one cannot see a.
  EXPECT_EQ(Check({PutOk("a", 0, 10), PutOk("b", 20, 100, 1), GetOk("b", 30, 40, 2),
                   GetOk("a", 50, 60, 3)}),
            kBad);
}

TEST_P(LinearizabilityTest, ReadAndPutAtTheSameInstantAreConcurrent) {
  EXPECT_EQ(Check({PutOk("a", 0, 10), GetOk(std::nullopt, 10, 20, 2)}), kOk);
  EXPECT_EQ(Check({PutOk("a", 0, 10), GetOk(std::nullopt, 11, 20, 2)}), kBad);
}

TEST_P(LinearizabilityTest, CasChains) {
  const Op create = Ok(Call::CasVersion("k", 0, "a"), Reply::Cas(true), 0, 10);
  const Op next = Ok(Call::CasVersion("k", 1, "b"), Reply::Cas(true), 20, 30);
  const Op by_value = Ok(Call::CasValue("k", "b", "c"), Reply::Cas(true), 40, 50);
  const Op read = GetOk("c", 60, 70, 1, 3);
  EXPECT_EQ(Check({create, next, by_value, read}), kOk);
  // A compare that held, reported as failed: not linearizable.
  EXPECT_EQ(Check({create, next, Ok(Call::CasValue("k", "b", "c"), Reply::Cas(false), 40, 50)}),
            kBad);
  // A compare that could not hold, reported as succeeded.
  EXPECT_EQ(Check({create, Ok(Call::CasVersion("k", 2, "b"), Reply::Cas(true), 20, 30)}), kBad);
  // A failed compare is a read: it saw the version was not 1.
  EXPECT_EQ(Check({create, Ok(Call::CasVersion("k", 5, "x"), Reply::Cas(false), 20, 30)}), kOk);
  // Two concurrent creates cannot both succeed; one of them may fail.
  const Op c1 = Ok(Call::CasVersion("k", 0, "x"), Reply::Cas(true), 0, 10, 1);
  const Op c2 = Ok(Call::CasVersion("k", 0, "y"), Reply::Cas(true), 5, 15, 2);
  const Op c2_failed = Ok(Call::CasVersion("k", 0, "y"), Reply::Cas(false), 5, 15, 2);
  EXPECT_EQ(Check({c1, c2}), kBad);
  EXPECT_EQ(Check({c1, c2_failed}), kOk);
  EXPECT_EQ(Check({c1, c2_failed, GetOk("y", 20, 30, 3)}), kBad);
}

TEST_P(LinearizabilityTest, DeletesResetTheVersion) {
  const Op a = PutOk("a", 0, 10);
  const Op b = PutOk("b", 20, 30);
  const Op del = Ok(Call::Delete("k"), Reply::Delete(1), 40, 50);
  // After the delete the key is absent: version 0, and a version-0 compare holds.
  EXPECT_EQ(Check({a, b, del, Ok(Call::CasVersion("k", 0, "c"), Reply::Cas(true), 60, 70),
                   GetOk("c", 80, 90, 1, 1)}),
            kOk);
  EXPECT_EQ(Check({a, b, del, Ok(Call::CasVersion("k", 2, "c"), Reply::Cas(true), 60, 70)}), kBad);
  EXPECT_EQ(Check({a, b, del, GetOk(std::nullopt, 60, 70, 1, 0)}), kOk);
  EXPECT_EQ(Check({a, b, del, PutOk("c", 60, 70), GetOk("c", 80, 90, 1, 3)}), kBad);
  // Versions count puts, the same value written twice included.
  EXPECT_EQ(Check({PutOk("a", 0, 10), PutOk("a", 20, 30), GetOk("a", 40, 50, 1, 2)}), kOk);
  EXPECT_EQ(Check({PutOk("a", 0, 10), PutOk("a", 20, 30), GetOk("a", 40, 50, 1, 1)}), kBad);
}

TEST_P(LinearizabilityTest, CompareOnValueNeverHoldsOnAnAbsentKey) {
  EXPECT_EQ(Check({Ok(Call::CasValue("k", "", "x"), Reply::Cas(false), 0, 10)}), kOk);
  EXPECT_EQ(Check({Ok(Call::CasValue("k", "", "x"), Reply::Cas(true), 0, 10)}), kBad);
  // An empty value is a value: present, and equal to "".
  EXPECT_EQ(Check({PutOk("", 0, 10), Ok(Call::CasValue("k", "", "x"), Reply::Cas(true), 20, 30)}),
            kOk);
}

TEST_P(LinearizabilityTest, DeleteResultsAreChecked) {
  EXPECT_EQ(Check({Ok(Call::Delete("k"), Reply::Delete(0), 0, 10)}), kOk);
  EXPECT_EQ(Check({Ok(Call::Delete("k"), Reply::Delete(1), 0, 10)}), kBad);
  EXPECT_EQ(Check({PutOk("a", 0, 10), Ok(Call::Delete("k"), Reply::Delete(0), 20, 30)}), kBad);
  EXPECT_EQ(Check({PutOk("a", 0, 10), Ok(Call::Delete("k"), Reply::Delete(), 20, 30)}), kOk);
}

TEST_P(LinearizabilityTest, InfoOpThatMustBeAssumedApplied) {
  const Op a = PutOk("a", 0, 10);
  const Op b_lost = Info(Call::Put("k", "b"), 20, 30);
  EXPECT_EQ(Check({a, b_lost, GetOk("b", 40, 50, 2)}), kOk);
  // It may take effect after the client gave up: a read after the timeout
  // still sees a, a later one sees b.
  EXPECT_EQ(Check({a, b_lost, GetOk("a", 40, 50, 2), GetOk("b", 60, 70, 2)}), kOk);
  // A lost cas explains a read, but only when its compare could hold.
  const Op cas_lost = Info(Call::CasVersion("k", 1, "c"), 20, 30);
  EXPECT_EQ(Check({a, cas_lost, GetOk("c", 40, 50, 2, 2)}), kOk);
  const Op cas_lost_wrong = Info(Call::CasVersion("k", 7, "c"), 20, 30);
  EXPECT_EQ(Check({a, cas_lost_wrong, GetOk("c", 40, 50, 2)}), kBad);
}

TEST_P(LinearizabilityTest, InfoOpThatMustBeAssumedNotApplied) {
  const Op a = PutOk("a", 0, 10);
  const Op b_lost = Info(Call::Put("k", "b"), 20, 30);
  EXPECT_EQ(Check({a, b_lost, GetOk("a", 40, 50, 2), GetOk("a", 60, 70, 2)}), kOk);
  // A lost delete that cannot have happened yet: the key still holds a.
  const Op del_lost = Info(Call::Delete("k"), 20, 30);
  EXPECT_EQ(Check({a, del_lost, GetOk("a", 40, 50, 2, 1)}), kOk);
  // Taking effect at most once: b cannot come back after c replaced it.
  EXPECT_EQ(Check({a, b_lost, GetOk("b", 40, 50, 2), PutOk("c", 60, 70), GetOk("b", 80, 90, 2)}),
            kBad);
  // An op cannot take effect before it was invoked.
  EXPECT_EQ(Check({a, GetOk("b", 20, 30, 2), Info(Call::Put("k", "b"), 40, 50)}), kBad);
  // A lost put still counts towards the version when it took effect.
  EXPECT_EQ(Check({a, b_lost, PutOk("c", 40, 50), GetOk("c", 60, 70, 2, 3)}), kOk);
  EXPECT_EQ(Check({a, b_lost, PutOk("c", 40, 50), GetOk("c", 60, 70, 2, 2)}), kOk);
  EXPECT_EQ(Check({a, b_lost, PutOk("c", 40, 50), GetOk("c", 60, 70, 2, 4)}), kBad);
}

TEST_P(LinearizabilityTest, LostInfoGetsAreIgnored) {
  EXPECT_EQ(Check({PutOk("a", 0, 10), Info(Call::Get("k"), 20, 30)}), kOk);
}

TEST_P(LinearizabilityTest, ManyLostWritesOfUnreadValuesStayCheap) {
  // Forty lost puts stay open forever; values nobody reads are
  // interchangeable, so the search does not try their subsets.
  std::vector<Op> ops;
  int64_t t = 0;
  for (int i = 0; i < 40; ++i, t += 10)
    ops.push_back(Info(Call::Put("k", "lost" + std::to_string(i)), t, t + 5));
  ops.push_back(PutOk("a", t, t + 5));
  ops.push_back(GetOk("a", t + 10, t + 15, 2));
  ops.push_back(PutOk("b", t + 20, t + 25));
  ops.push_back(GetOk("a", t + 30, t + 35, 2));  // Stale.
  SearchOptions o;
  o.quick_proofs = GetParam();
  o.max_states = 100'000;
  EXPECT_EQ(CheckKey(testing::Pointers(ops), o).verdict, kBad);
}

TEST(LinearizabilityBudgetTest, ExhaustedBudgetIsUnknown) {
  // Needs a search (no quick proof applies): two concurrent creates that
  // both claim success, behind a few concurrent puts.
  std::vector<Op> ops;
  for (int p = 0; p < 6; ++p) ops.push_back(PutOk("v" + std::to_string(p), 0, 100, p));
  ops.push_back(Ok(Call::Delete("k"), Reply::Delete(), 110, 120, 1));
  ops.push_back(Ok(Call::CasVersion("k", 0, "x"), Reply::Cas(true), 130, 140, 1));
  ops.push_back(Ok(Call::CasVersion("k", 0, "y"), Reply::Cas(true), 130, 140, 2));
  SearchOptions small;
  small.max_states = 10;
  const SearchResult r = CheckKey(testing::Pointers(ops), small);
  EXPECT_EQ(r.verdict, Verdict::kUnknown);
  EXPECT_EQ(r.states, 10u);
  EXPECT_EQ(testing::KeyVerdict(ops), Verdict::kViolation);
}

TEST(LinearizabilityBudgetTest, HorizonBoundsTheOpsThatMatter) {
  // The stale read is invoked at 40; the put invoked at 100 plays no part.
  const std::vector<Op> ops = {PutOk("a", 0, 10), PutOk("b", 20, 30), GetOk("a", 40, 50, 2),
                               PutOk("c", 100, 110)};
  for (bool quick : {true, false}) {
    SearchOptions o;
    o.quick_proofs = quick;
    const SearchResult r = CheckKey(testing::Pointers(ops), o);
    EXPECT_EQ(r.verdict, Verdict::kViolation);
    EXPECT_GE(r.horizon_ns, 40);
    EXPECT_LT(r.horizon_ns, 100);
    std::vector<Op> early;
    for (const Op& op : ops) {
      if (op.invoke_ns <= r.horizon_ns) early.push_back(op);
    }
    EXPECT_EQ(early.size(), 3u);
    EXPECT_EQ(testing::KeyVerdict(early, quick), Verdict::kViolation);
  }
}

}  // namespace
}  // namespace strata::check

// ShrinkViolation: small cores that still fail, and never a failure the
// input does not have.
#include "tools/check/shrink.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tools/check/test_ops.h"

namespace strata::check {
namespace {

using testing::GetOk;
using testing::Info;
using testing::Ok;
using testing::PutOk;

// Descriptions of the core's ops, e.g. "put(\"b\") ok".
std::vector<std::string> Describe(const ShrinkResult& r) {
  std::vector<std::string> out;
  for (const Op* op : r.ops) out.push_back(DescribeCall(op->call) + " " + DescribeOutcome(*op));
  return out;
}

// A long, busy, linearizable history of "k", from time `t` on; returns the
// time after it.
int64_t AppendNoise(std::vector<Op>* ops, int64_t t, int n) {
  for (int i = 0; i < n; ++i, t += 100) {
    const std::string v = "n" + std::to_string(i);
    ops->push_back(PutOk(v, t, t + 30, 1));
    ops->push_back(GetOk(v, t + 40, t + 60, 2));
    if (i % 7 == 3)
      ops->push_back(Info(Call::Put("k", "lost" + std::to_string(i)), t + 50, t + 90, 3));
    if (i % 5 == 2) ops->push_back(Ok(Call::Delete("k"), Reply::Delete(1), t + 70, t + 80, 4));
    if (i % 5 == 2) ops->push_back(PutOk(v + "'", t + 85, t + 95, 4));
  }
  return t;
}

TEST(ShrinkTest, StaleReadInALongHistoryShrinksToThreeOps) {
  std::vector<Op> ops;
  int64_t t = AppendNoise(&ops, 0, 60);
  ops.push_back(PutOk("a", t, t + 10, 1));
  ops.push_back(PutOk("b", t + 20, t + 30, 1));
  ops.push_back(GetOk("a", t + 40, t + 50, 2));
  AppendNoise(&ops, t + 100, 60);
  const std::vector<const Op*> all = testing::Pointers(ops);
  for (bool quick : {true, false}) {
    SearchOptions o;
    o.quick_proofs = quick;
    ASSERT_EQ(CheckKey(all, o).verdict, Verdict::kViolation);
    const ShrinkResult r = ShrinkViolation(all, o, ShrinkLimits());
    EXPECT_TRUE(r.minimal);
    EXPECT_EQ(Describe(r),
              (std::vector<std::string>{"put(\"a\") ok", "put(\"b\") ok", "get() \"a\""}));
    // The core alone fails too.
    EXPECT_EQ(CheckKey(r.ops, o).verdict, Verdict::kViolation);
  }
}

TEST(ShrinkTest, NeverReportsAFailureTheHistoryDoesNotHave) {
  // Dropping the put of "a" would make the delete that found the key look
  // wrong on its own; the real problem is the stale read of "b".
  const std::vector<Op> ops = {PutOk("a", 0, 10), Ok(Call::Delete("k"), Reply::Delete(1), 20, 30),
                               PutOk("b", 40, 50), PutOk("c", 60, 70), GetOk("b", 80, 90, 2)};
  const ShrinkResult r = ShrinkViolation(testing::Pointers(ops), SearchOptions(), ShrinkLimits());
  EXPECT_TRUE(r.minimal);
  EXPECT_EQ(Describe(r),
            (std::vector<std::string>{"put(\"b\") ok", "put(\"c\") ok", "get() \"b\""}));
}

TEST(ShrinkTest, KeepsWhatALostWriteCannotExplain) {
  // A lost put of "b" explains the first read of b, not the second: the core
  // needs the put of c between them, and the lost put stays in the
  // background (it is not an ok op).
  const std::vector<Op> ops = {PutOk("a", 0, 10),     Info(Call::Put("k", "b"), 20, 30),
                               GetOk("b", 40, 50, 2), PutOk("c", 60, 70),
                               GetOk("b", 80, 90, 2), PutOk("d", 100, 110)};
  const ShrinkResult r = ShrinkViolation(testing::Pointers(ops), SearchOptions(), ShrinkLimits());
  EXPECT_TRUE(r.minimal);
  EXPECT_EQ(Describe(r), (std::vector<std::string>{"get() \"b\"", "put(\"c\") ok", "get() \"b\""}));
}

TEST(ShrinkTest, LostCasKeepsItsCompare) {
  // The lost cas cannot have written c (the version never reached 7), so the
  // read of c is wrong whatever else happened.
  const std::vector<Op> ops = {PutOk("a", 0, 10), Info(Call::CasVersion("k", 7, "c"), 20, 30),
                               GetOk("c", 40, 50, 2)};
  ASSERT_EQ(testing::KeyVerdict(ops, false), Verdict::kViolation);
  const ShrinkResult r = ShrinkViolation(testing::Pointers(ops), SearchOptions(), ShrinkLimits());
  EXPECT_TRUE(r.minimal);
  EXPECT_EQ(Describe(r), (std::vector<std::string>{"get() \"c\""}));
}

TEST(ShrinkTest, StopsAtTheSearchLimit) {
  std::vector<Op> ops;
  int64_t t = AppendNoise(&ops, 0, 20);
  ops.push_back(PutOk("a", t, t + 10, 1));
  ops.push_back(PutOk("b", t + 20, t + 30, 1));
  ops.push_back(GetOk("a", t + 40, t + 50, 2));
  const std::vector<const Op*> all = testing::Pointers(ops);
  ShrinkLimits three;
  three.max_checks = 3;
  const ShrinkResult r = ShrinkViolation(all, SearchOptions(), three);
  EXPECT_EQ(r.checks, 3);
  EXPECT_FALSE(r.minimal);
  EXPECT_EQ(CheckKey(r.ops, SearchOptions()).verdict, Verdict::kViolation);
}

}  // namespace
}  // namespace strata::check

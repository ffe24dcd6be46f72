// The etcd register model, one step at a time.
#include "tools/check/kv_model.h"

#include <gtest/gtest.h>

namespace strata::check {
namespace {

ModelOp Put(int32_t value, bool info = false) {
  ModelOp m;
  m.kind = OpKind::kPut;
  m.value = value;
  m.info = info;
  return m;
}

ModelOp Get(int32_t read, int64_t version = -1) {
  ModelOp m;
  m.kind = OpKind::kGet;
  m.read_value = read;
  m.read_version = version;
  return m;
}

ModelOp Delete(int8_t deleted = -1, bool info = false) {
  ModelOp m;
  m.kind = OpKind::kDelete;
  m.deleted = deleted;
  m.info = info;
  return m;
}

ModelOp CasVersion(int64_t expected, int32_t value, bool succeeded, bool info = false) {
  ModelOp m;
  m.kind = OpKind::kCas;
  m.compare = CasCompare::kVersion;
  m.expected_version = expected;
  m.value = value;
  m.succeeded = succeeded;
  m.info = info;
  return m;
}

TEST(KvModelTest, PutsCountVersionsAndDeleteResets) {
  KvState s;
  EXPECT_TRUE(Step(Get(kAbsent), &s));
  EXPECT_TRUE(Step(Put(1), &s));
  EXPECT_EQ(s.version, 1);
  EXPECT_TRUE(Step(Put(1), &s));
  EXPECT_EQ(s.version, 2);
  EXPECT_TRUE(Step(Get(1, 2), &s));
  EXPECT_FALSE(Step(Get(1, 1), &s));
  EXPECT_FALSE(Step(Get(kAbsent), &s));
  EXPECT_TRUE(Step(Delete(1), &s));
  EXPECT_EQ(s.value, kAbsent);
  EXPECT_EQ(s.version, 0);
  EXPECT_TRUE(Step(Put(2), &s));
  EXPECT_EQ(s.version, 1);  // Counted again from creation.
}

TEST(KvModelTest, VersionZeroMeansAbsent) {
  KvState s;
  EXPECT_TRUE(Step(CasVersion(0, 1, true), &s));
  EXPECT_EQ(s.version, 1);
  KvState t = s;
  EXPECT_FALSE(Step(CasVersion(0, 2, true), &t));
  t = s;
  EXPECT_TRUE(Step(CasVersion(0, 2, false), &t));
  EXPECT_EQ(t.value, 1);  // A failed compare changes nothing.
}

TEST(KvModelTest, ValueCompareNeverHoldsOnAbsentKey) {
  ModelOp cas;
  cas.kind = OpKind::kCas;
  cas.compare = CasCompare::kValue;
  cas.expected_value = kUnobserved;
  cas.succeeded = true;
  KvState s;
  EXPECT_FALSE(Step(cas, &s));
  cas.succeeded = false;
  s = KvState();
  EXPECT_TRUE(Step(cas, &s));
}

TEST(KvModelTest, DeleteResultMustMatch) {
  KvState s;
  EXPECT_FALSE(Step(Delete(1), &s));
  s = KvState();
  EXPECT_TRUE(Step(Delete(0), &s));
  EXPECT_TRUE(Step(Put(1), &s));
  KvState t = s;
  EXPECT_FALSE(Step(Delete(0), &t));
  EXPECT_TRUE(Step(Delete(), &s));
}

TEST(KvModelTest, InfoOpsThatWouldChangeNothingAreNotTaken) {
  KvState s;
  EXPECT_FALSE(Step(Delete(-1, /*info=*/true), &s));  // Already absent.
  EXPECT_FALSE(Step(CasVersion(3, 1, false, /*info=*/true), &s));
  EXPECT_TRUE(Step(CasVersion(0, 1, false, /*info=*/true), &s));
  EXPECT_EQ(s.value, 1);
  ModelOp get = Get(kAbsent);
  get.info = true;
  EXPECT_FALSE(Step(get, &s));
}

TEST(KvModelTest, UnobservedValuesShareOneId) {
  std::vector<Op> ops(5);
  ops[0].call = Call::Put("k", "seen");
  ops[1].call = Call::Put("k", "never read");
  ops[2].call = Call::Put("k", "nor this");
  ops[3].call = Call::Get("k");
  ops[3].reply = Reply::Get("seen");
  ops[4].call = Call::CasValue("k", "compared", "also unseen");
  std::vector<const Op*> ptrs;
  for (const Op& op : ops) ptrs.push_back(&op);
  const std::vector<ModelOp> m = CompileOps(ptrs);
  EXPECT_GT(m[0].value, kUnobserved);
  EXPECT_EQ(m[1].value, kUnobserved);
  EXPECT_EQ(m[2].value, kUnobserved);
  EXPECT_EQ(m[3].read_value, m[0].value);
  EXPECT_GT(m[4].expected_value, kUnobserved);
  EXPECT_NE(m[4].expected_value, m[0].value);
  EXPECT_EQ(m[4].value, kUnobserved);
}

}  // namespace
}  // namespace strata::check

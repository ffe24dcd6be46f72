// Txn with etcd 3.5's semantics: compares (every target and result, missing
// keys, ranges), branches, nested txns, one revision for all writes, reads
// of earlier writes, the pre-execution checks, and read-only txns.
#include <gtest/gtest.h>

#include "kv/apply_test_util.h"

namespace strata::kv::testing {
namespace {

using Strings = std::vector<std::string>;
using C = Compare;

class EtcdTxnTest : public ApplierTestBase {
 protected:
  // A txn with one compare, success: put yes=1, failure: put no=1; returns
  // whether the compare held.
  bool Holds(const Compare& c) {
    TxnRequest t;
    *t.add_compare() = c;
    etcdserverpb::TxnResponse r = DoTxn(t);
    return r.succeeded();
  }
};

TEST_F(EtcdTxnTest, ComparesOnAnExistingKey) {
  DoPut("k", "v");  // 2
  DoPut("k", "w");  // 3: create 2, mod 3, version 2, value "w", lease 0.
  struct Case {
    Compare compare;
    bool holds;
  };
  const Case cases[] = {
      {Cmp("k", C::VERSION, C::EQUAL, 2), true},   {Cmp("k", C::VERSION, C::NOT_EQUAL, 2), false},
      {Cmp("k", C::VERSION, C::GREATER, 1), true}, {Cmp("k", C::VERSION, C::GREATER, 2), false},
      {Cmp("k", C::VERSION, C::LESS, 3), true},    {Cmp("k", C::VERSION, C::LESS, 2), false},
      {Cmp("k", C::CREATE, C::EQUAL, 2), true},    {Cmp("k", C::CREATE, C::LESS, 2), false},
      {Cmp("k", C::MOD, C::EQUAL, 3), true},       {Cmp("k", C::MOD, C::GREATER, 2), true},
      {Cmp("k", C::MOD, C::NOT_EQUAL, 3), false},  {Cmp("k", C::LEASE, C::EQUAL, 0), true},
      {Cmp("k", C::LEASE, C::GREATER, 0), false},  {CmpValue("k", C::EQUAL, "w"), true},
      {CmpValue("k", C::EQUAL, "v"), false},       {CmpValue("k", C::GREATER, "v"), true},
      {CmpValue("k", C::LESS, "wa"), true},        {CmpValue("k", C::NOT_EQUAL, "w"), false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Holds(c.compare), c.holds) << c.compare.ShortDebugString();
  }
  EXPECT_EQ(store_->CurrentRevision(), 3);  // Compares alone write nothing.
}

TEST_F(EtcdTxnTest, MissingKeyComparesAsZeroButValueComparesAlwaysFail) {
  EXPECT_TRUE(Holds(Cmp("missing", C::VERSION, C::EQUAL, 0)));
  EXPECT_TRUE(Holds(Cmp("missing", C::CREATE, C::EQUAL, 0)));
  EXPECT_TRUE(Holds(Cmp("missing", C::MOD, C::LESS, 1)));
  EXPECT_TRUE(Holds(Cmp("missing", C::LEASE, C::EQUAL, 0)));
  EXPECT_FALSE(Holds(Cmp("missing", C::VERSION, C::GREATER, 0)));
  EXPECT_FALSE(Holds(CmpValue("missing", C::EQUAL, "")));
  EXPECT_FALSE(Holds(CmpValue("missing", C::NOT_EQUAL, "x")));
  // A deleted key is missing too.
  DoPut("gone", "x");
  DoDelete(Delete("gone"));
  EXPECT_TRUE(Holds(Cmp("gone", C::CREATE, C::EQUAL, 0)));
}

TEST_F(EtcdTxnTest, AnOperandOfAnotherKindComparesAsZero) {
  DoPut("k", "v");
  Compare c = Cmp("k", C::VERSION, C::EQUAL, 1);
  c.set_create_revision(1);  // Replaces the version operand in the oneof.
  EXPECT_FALSE(Holds(c));    // Version 1 against 0.
  Compare v = CmpValue("k", C::GREATER, "zzz");
  v.set_lease(3);  // No value operand: compares against "".
  EXPECT_TRUE(Holds(v));
}

TEST_F(EtcdTxnTest, RangeComparesMustHoldForEveryKey) {
  DoPut("r1", "1");
  DoPut("r2", "2");
  DoPut("r2", "22");  // r2 version 2.
  EXPECT_TRUE(Holds(Cmp("r1", C::VERSION, C::GREATER, 0, "r3")));
  EXPECT_FALSE(Holds(Cmp("r1", C::VERSION, C::EQUAL, 1, "r3")));
  EXPECT_TRUE(Holds(Cmp("r1", C::VERSION, C::EQUAL, 1, "r2")));
  EXPECT_TRUE(Holds(CmpValue("r1", C::GREATER, "0", "r3")));
  EXPECT_FALSE(Holds(CmpValue("r1", C::EQUAL, "1", "r3")));
  EXPECT_TRUE(Holds(Cmp("r", C::CREATE, C::LESS, 10, kNul)));  // Every key >= "r".
  // An empty range: like a missing key.
  EXPECT_TRUE(Holds(Cmp("x1", C::VERSION, C::EQUAL, 0, "x9")));
  EXPECT_FALSE(Holds(CmpValue("x1", C::NOT_EQUAL, "anything", "x9")));
}

TEST_F(EtcdTxnTest, BranchesRunInOrderAtOneRevision) {
  DoPut("a", "0");  // 2
  TxnRequest t;
  *t.add_compare() = Cmp("a", C::VERSION, C::EQUAL, 1);
  PutRequest put_b = Put("b", "1");
  put_b.set_prev_kv(true);
  *t.add_success() = Op(put_b);
  *t.add_success() = Op(Put("c", "1"));
  *t.add_success() = Op(Delete("a", "", /*prev=*/true));
  *t.add_success() = Op(Get("a", "z"));
  *t.add_failure() = Op(Put("failure", "ran"));
  ApplyResponse applied = Apply(Request(t));
  ASSERT_TRUE(applied.error.ok());
  const auto& r = std::get<etcdserverpb::TxnResponse>(applied.response);
  EXPECT_TRUE(r.succeeded());
  EXPECT_EQ(r.header().revision(), 3);
  ASSERT_EQ(r.responses_size(), 4);
  EXPECT_EQ(r.responses(0).response_put().header().revision(), 3);
  EXPECT_FALSE(r.responses(0).response_put().has_prev_kv());
  EXPECT_EQ(r.responses(1).response_put().header().revision(), 3);
  EXPECT_EQ(r.responses(2).response_delete_range().deleted(), 1);
  EXPECT_EQ(r.responses(2).response_delete_range().prev_kvs(0).value(), "0");
  EXPECT_EQ(r.responses(2).response_delete_range().header().revision(), 3);
  // The range sees the txn's own writes.
  const auto& range = r.responses(3).response_range();
  EXPECT_EQ(Keys(range), (Strings{"b", "c"}));
  EXPECT_EQ(range.header().revision(), 3);
  EXPECT_EQ(range.kvs(0).mod_revision(), 3);
  // One revision, sub revisions in order, one event each.
  ASSERT_EQ(applied.events.size(), 3u);
  EXPECT_EQ(applied.events[0].kv.key, "b");
  EXPECT_EQ(applied.events[2].type, Event::Type::kDelete);
  EXPECT_EQ(store_->CurrentRevision(), 3);
  EXPECT_EQ(DoRange(Get("failure")).count(), 0);

  // Now the compare fails: the failure branch runs.
  etcdserverpb::TxnResponse failed = DoTxn(t);
  EXPECT_FALSE(failed.succeeded());
  ASSERT_EQ(failed.responses_size(), 1);
  EXPECT_TRUE(failed.responses(0).has_response_put());
  EXPECT_EQ(failed.header().revision(), 4);
  EXPECT_EQ(DoRange(Get("failure")).kvs(0).value(), "ran");
}

TEST_F(EtcdTxnTest, ReadsAndPrevKvSeeEarlierWritesOfTheSameTxn) {
  TxnRequest t;
  *t.add_success() = Op(Put("k", "first"));
  *t.add_success() = Op(Get("k"));
  PutRequest second = Put("k2", "x");
  second.set_prev_kv(true);
  *t.add_success() = Op(second);
  *t.add_success() = Op(Delete("k"));
  *t.add_success() = Op(Get("k"));
  etcdserverpb::TxnResponse r = DoTxn(t);
  ASSERT_EQ(r.responses_size(), 5);
  EXPECT_EQ(r.responses(1).response_range().kvs(0).value(), "first");
  EXPECT_EQ(r.responses(1).response_range().kvs(0).version(), 1);
  EXPECT_FALSE(r.responses(2).response_put().has_prev_kv());
  EXPECT_EQ(r.responses(3).response_delete_range().deleted(), 1);
  EXPECT_EQ(r.responses(4).response_range().count(), 0);
  EXPECT_EQ(r.header().revision(), 2);
}

TEST_F(EtcdTxnTest, NestedTxnComparesSeeTheStateBeforeTheTxn) {
  TxnRequest inner;
  *inner.add_compare() = Cmp("n", C::VERSION, C::EQUAL, 0);  // True before the txn.
  *inner.add_success() = Op(Put("inner-success", "1"));
  *inner.add_success() = Op(Get("n"));
  *inner.add_failure() = Op(Put("inner-failure", "1"));
  TxnRequest outer;
  *outer.add_success() = Op(Put("n", "1"));
  *outer.add_success() = Op(inner);
  *outer.add_success() = Op(Get("inner-success"));
  etcdserverpb::TxnResponse r = DoTxn(outer);
  EXPECT_TRUE(r.succeeded());
  EXPECT_EQ(r.header().revision(), 2);
  ASSERT_EQ(r.responses_size(), 3);
  const auto& nested = r.responses(1).response_txn();
  EXPECT_TRUE(nested.succeeded());
  EXPECT_TRUE(nested.has_header());
  EXPECT_EQ(nested.header().revision(), 0);  // etcd leaves nested headers empty.
  ASSERT_EQ(nested.responses_size(), 2);
  EXPECT_EQ(nested.responses(0).response_put().header().revision(), 2);
  // ...but its ops see the outer writes.
  EXPECT_EQ(nested.responses(1).response_range().kvs(0).value(), "1");
  EXPECT_EQ(r.responses(2).response_range().count(), 1);
  EXPECT_EQ(DoRange(Get("inner-failure")).count(), 0);
}

TEST_F(EtcdTxnTest, NestedTxnFailureBranchAndDeepNesting) {
  DoPut("flag", "on");
  TxnRequest deepest;
  *deepest.add_success() = Op(Put("deepest", "1"));
  TxnRequest inner;
  *inner.add_compare() = CmpValue("flag", C::EQUAL, "off");
  *inner.add_success() = Op(Put("inner-success", "1"));
  *inner.add_failure() = Op(deepest);
  *inner.add_failure() = Op(Put("inner-failure", "1"));
  TxnRequest outer;
  *outer.add_compare() = CmpValue("flag", C::EQUAL, "on");
  *outer.add_success() = Op(inner);
  etcdserverpb::TxnResponse r = DoTxn(outer);
  EXPECT_TRUE(r.succeeded());
  const auto& nested = r.responses(0).response_txn();
  EXPECT_FALSE(nested.succeeded());
  ASSERT_EQ(nested.responses_size(), 2);
  EXPECT_TRUE(nested.responses(0).response_txn().succeeded());
  EXPECT_EQ(DoRange(Get("deepest")).count(), 1);
  EXPECT_EQ(DoRange(Get("inner-failure")).count(), 1);
  EXPECT_EQ(DoRange(Get("inner-success")).count(), 0);
  EXPECT_EQ(store_->CurrentRevision(), 3);
}

TEST_F(EtcdTxnTest, HeaderRevisionOfTxnsThatWriteNothingIsTheCurrentOne) {
  DoPut("a", "1");
  DoPut("b", "1");  // Revision 3.
  TxnRequest read_only;
  *read_only.add_compare() = Cmp("a", C::VERSION, C::EQUAL, 1);
  *read_only.add_success() = Op(Get("a"));
  *read_only.add_failure() = Op(Get("b"));
  etcdserverpb::TxnResponse r = DoTxn(read_only);
  EXPECT_EQ(r.header().revision(), 3);
  EXPECT_EQ(r.responses(0).response_range().header().revision(), 3);
  EXPECT_EQ(store_->CurrentRevision(), 3);

  TxnRequest deletes_nothing;
  *deletes_nothing.add_success() = Op(Delete("missing"));
  r = DoTxn(deletes_nothing);
  EXPECT_EQ(r.header().revision(), 3);
  EXPECT_EQ(r.responses(0).response_delete_range().header().revision(), 3);
  EXPECT_EQ(store_->CurrentRevision(), 3);

  TxnRequest empty;
  r = DoTxn(empty);
  EXPECT_TRUE(r.succeeded());
  EXPECT_EQ(r.responses_size(), 0);
  EXPECT_EQ(r.header().revision(), 3);
  EXPECT_EQ(StoredAppliedIndex(), index_);
}

TEST_F(EtcdTxnTest, FailedChecksFailTheWholeTxnBeforeAnyWrite) {
  DoPut("exists", "v");  // 2
  TxnRequest t;
  *t.add_success() = Op(Put("first", "1"));
  PutRequest ignore;
  ignore.set_key("missing");
  ignore.set_ignore_value(true);
  *t.add_success() = Op(ignore);
  ApplyResponse r = Apply(Request(t));
  EXPECT_TRUE(IsEtcdError(r.error, EtcdError::kKeyNotFound)) << r.error.ToString();
  EXPECT_TRUE(std::holds_alternative<std::monostate>(r.response));
  EXPECT_EQ(store_->CurrentRevision(), 2);
  EXPECT_EQ(DoRange(Get("first")).count(), 0);
  EXPECT_EQ(StoredAppliedIndex(), index_);

  // The check uses the state before the txn: the key exists there.
  TxnRequest ok;
  PutRequest keep;
  keep.set_key("exists");
  keep.set_ignore_value(true);
  keep.set_prev_kv(true);
  *ok.add_success() = Op(keep);
  etcdserverpb::TxnResponse done = DoTxn(ok);
  EXPECT_EQ(done.responses(0).response_put().prev_kv().value(), "v");
  EXPECT_EQ(DoRange(Get("exists")).kvs(0).version(), 2);

  TxnRequest lease;
  PutRequest with_lease = Put("k", "v");
  with_lease.set_lease(7);
  *lease.add_success() = Op(with_lease);
  EXPECT_TRUE(IsEtcdError(Apply(Request(lease)).error, EtcdError::kLeaseNotFound));

  // Only the chosen branch is checked.
  TxnRequest unchosen;
  *unchosen.add_compare() = Cmp("exists", C::VERSION, C::EQUAL, 0);  // False.
  *unchosen.add_success() = Op(ignore);
  *unchosen.add_failure() = Op(Put("fine", "1"));
  EXPECT_FALSE(DoTxn(unchosen).succeeded());
  EXPECT_EQ(DoRange(Get("fine")).count(), 1);
}

TEST_F(EtcdTxnTest, RangeRevisionsAreCheckedBeforeExecution) {
  DoPut("a", "1");  // 2
  DoPut("a", "2");  // 3
  TxnRequest t;
  *t.add_success() = Op(Put("b", "1"));
  RangeRequest future = Get("a");
  future.set_revision(4);  // The txn's own revision is a future one to etcd.
  *t.add_success() = Op(future);
  ApplyResponse r = Apply(Request(t));
  EXPECT_TRUE(IsEtcdError(r.error, EtcdError::kFutureRev)) << r.error.ToString();
  EXPECT_EQ(store_->CurrentRevision(), 3);

  // A put check fails first even when the bad range comes earlier.
  TxnRequest both;
  *both.add_success() = Op(future);
  PutRequest ignore;
  ignore.set_key("missing");
  ignore.set_ignore_lease(true);
  *both.add_success() = Op(ignore);
  EXPECT_TRUE(IsEtcdError(Apply(Request(both)).error, EtcdError::kKeyNotFound));

  // Old revisions read as they were, inside the txn too.
  TxnRequest old;
  RangeRequest at2 = Get("a");
  at2.set_revision(2);
  *old.add_success() = Op(at2);
  *old.add_success() = Op(Put("c", "1"));
  etcdserverpb::TxnResponse read = DoTxn(old);
  EXPECT_EQ(read.responses(0).response_range().kvs(0).value(), "1");
  EXPECT_EQ(read.responses(0).response_range().header().revision(), 3);

  ASSERT_TRUE(Apply(Compaction(3)).error.ok());
  r = Apply(Request(old));
  EXPECT_TRUE(IsEtcdError(r.error, EtcdError::kCompacted)) << r.error.ToString();
}

TEST_F(EtcdTxnTest, NegativeRangeRevisionsFollowEtcdsFirstRevision) {
  DoPut("a", "1");
  DoPut("a", "2");
  TxnRequest t;
  RangeRequest minus_one = Get("a");
  minus_one.set_revision(-1);
  *t.add_success() = Op(minus_one);
  // Never compacted: etcd's first revision is -1, so -1 reads the current.
  EXPECT_EQ(DoTxn(t).responses(0).response_range().kvs(0).value(), "2");
  RangeRequest minus_two = Get("a");
  minus_two.set_revision(-2);
  TxnRequest t2;
  *t2.add_success() = Op(minus_two);
  EXPECT_TRUE(IsEtcdError(Apply(Request(t2)).error, EtcdError::kCompacted));
  ASSERT_TRUE(Apply(Compaction(2)).error.ok());
  EXPECT_TRUE(IsEtcdError(Apply(Request(t)).error, EtcdError::kCompacted));
}

TEST_F(EtcdTxnTest, AnOpThatFailsMidTxnDiscardsTheTxnDeterministically) {
  // Passes validation (a delete with range_end "\0" conflicts with nothing
  // there) and the checks (k exists before the txn), then fails: etcd 3.5
  // panics here; Strata fails the request identically on every replica.
  DoPut("k", "v");
  TxnRequest t;
  *t.add_success() = Op(Delete("a", kNul));
  PutRequest ignore;
  ignore.set_key("k");
  ignore.set_ignore_value(true);
  *t.add_success() = Op(ignore);
  ApplyResponse r = Apply(Request(t));
  EXPECT_TRUE(IsEtcdError(r.error, EtcdError::kKeyNotFound)) << r.error.ToString();
  EXPECT_EQ(store_->CurrentRevision(), 2);
  EXPECT_EQ(DoRange(Get("k")).count(), 1);
  EXPECT_EQ(StoredAppliedIndex(), index_);
}

TEST_F(EtcdTxnTest, ReadOnlyTxnIsServedFromTheStore) {
  DoPut("a", "1");
  DoPut("b", "2");  // 3
  TxnRequest t;
  *t.add_compare() = CmpValue("a", C::EQUAL, "1");
  *t.add_success() = Op(Get("a", "c"));
  *t.add_failure() = Op(Get("b"));
  auto r = applier_.ReadOnlyTxn(t);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->succeeded());
  EXPECT_EQ(r->header().revision(), 3);
  EXPECT_EQ(Keys(r->responses(0).response_range()), (Strings{"a", "b"}));
  EXPECT_EQ(StoredAppliedIndex(), 2u);  // Nothing written.

  RangeRequest future = Get("a");
  future.set_revision(10);
  TxnRequest bad;
  *bad.add_success() = Op(future);
  EXPECT_TRUE(IsEtcdError(applier_.ReadOnlyTxn(bad).status(), EtcdError::kFutureRev));

  TxnRequest writes;
  *writes.add_failure() = Op(Put("x", "1"));
  EXPECT_TRUE(applier_.ReadOnlyTxn(writes).status().Is(StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace strata::kv::testing

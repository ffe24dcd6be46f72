// Range with etcd 3.5's semantics: limit, more, count, revision, sort
// order and target defaults, min/max revision filters before the limit,
// keys_only, count_only, and the revision errors.
#include <gtest/gtest.h>

#include "kv/apply_test_util.h"

namespace strata::kv::testing {
namespace {

using Strings = std::vector<std::string>;

class EtcdRangeTest : public ApplierTestBase {
 protected:
  // Final state at revision 8:
  //   key  value  create  mod  version
  //   a    "33"   2       5    2
  //   b    "1"    3       3    1
  //   c    "222"  4       8    3
  //   d    "0"    6       6    1
  void SetUp() override {
    DoPut("a", "3");    // 2
    DoPut("b", "1");    // 3
    DoPut("c", "2");    // 4
    DoPut("a", "33");   // 5
    DoPut("d", "0");    // 6
    DoPut("c", "22");   // 7
    DoPut("c", "222");  // 8
  }

  RangeRequest All() { return Get("a", "e"); }

  RangeRequest Sorted(RangeRequest::SortTarget target, RangeRequest::SortOrder order) {
    RangeRequest r = All();
    r.set_sort_target(target);
    r.set_sort_order(order);
    return r;
  }
};

TEST_F(EtcdRangeTest, LimitMoreAndCount) {
  RangeRequest r = All();
  r.set_limit(2);
  etcdserverpb::RangeResponse got = DoRange(r);
  EXPECT_EQ(Keys(got), (Strings{"a", "b"}));
  EXPECT_TRUE(got.more());
  EXPECT_EQ(got.count(), 4);
  EXPECT_EQ(got.header().revision(), 8);

  r.set_limit(4);
  got = DoRange(r);
  EXPECT_EQ(Keys(got), (Strings{"a", "b", "c", "d"}));
  EXPECT_FALSE(got.more());
  EXPECT_EQ(got.count(), 4);

  r.set_limit(0);
  EXPECT_EQ(DoRange(r).kvs_size(), 4);
  r.set_limit(-3);  // Negative: no limit, as in etcd.
  EXPECT_EQ(DoRange(r).kvs_size(), 4);
  EXPECT_FALSE(DoRange(r).more());
}

TEST_F(EtcdRangeTest, KeyValueFields) {
  etcdserverpb::RangeResponse got = DoRange(Get("c"));
  ASSERT_EQ(got.kvs_size(), 1);
  EXPECT_EQ(got.kvs(0).key(), "c");
  EXPECT_EQ(got.kvs(0).value(), "222");
  EXPECT_EQ(got.kvs(0).create_revision(), 4);
  EXPECT_EQ(got.kvs(0).mod_revision(), 8);
  EXPECT_EQ(got.kvs(0).version(), 3);
  EXPECT_EQ(got.kvs(0).lease(), 0);
  EXPECT_EQ(got.count(), 1);
}

TEST_F(EtcdRangeTest, RangeEndConventions) {
  EXPECT_EQ(Keys(DoRange(Get("b", kNul))), (Strings{"b", "c", "d"}));
  EXPECT_EQ(Keys(DoRange(Get(kNul, kNul))), (Strings{"a", "b", "c", "d"}));
  EXPECT_EQ(Keys(DoRange(Get("b", "d"))), (Strings{"b", "c"}));
  EXPECT_EQ(DoRange(Get("d", "b")).count(), 0);  // range_end <= key: nothing.
  EXPECT_EQ(DoRange(Get("zz")).count(), 0);
}

TEST_F(EtcdRangeTest, ReadsAtARevisionButHeaderIsCurrent) {
  RangeRequest r = All();
  r.set_revision(4);
  etcdserverpb::RangeResponse got = DoRange(r);
  EXPECT_EQ(Keys(got), (Strings{"a", "b", "c"}));
  EXPECT_EQ(got.kvs(0).value(), "3");
  EXPECT_EQ(got.kvs(2).value(), "2");
  EXPECT_EQ(got.count(), 3);
  EXPECT_EQ(got.header().revision(), 8);
  r.set_revision(-1);  // Negative: current.
  EXPECT_EQ(DoRange(r).count(), 4);
}

TEST_F(EtcdRangeTest, FutureAndCompactedRevisions) {
  RangeRequest r = All();
  r.set_revision(9);
  Status future = RangeError(r);
  EXPECT_TRUE(IsEtcdError(future, EtcdError::kFutureRev)) << future.ToString();
  EXPECT_EQ(future.message(), "etcdserver: mvcc: required revision is a future revision");
  EXPECT_EQ(GrpcCodeOf(future), GrpcCode::kOutOfRange);

  ASSERT_TRUE(Apply(Compaction(5)).error.ok());
  r.set_revision(4);
  Status compacted = RangeError(r);
  EXPECT_TRUE(IsEtcdError(compacted, EtcdError::kCompacted)) << compacted.ToString();
  EXPECT_EQ(compacted.message(), "etcdserver: mvcc: required revision has been compacted");
  EXPECT_EQ(GrpcCodeOf(compacted), GrpcCode::kOutOfRange);
  r.set_revision(5);
  EXPECT_EQ(DoRange(r).count(), 3);
}

TEST_F(EtcdRangeTest, SortByEveryTarget) {
  using R = RangeRequest;
  EXPECT_EQ(Keys(DoRange(Sorted(R::KEY, R::NONE))), (Strings{"a", "b", "c", "d"}));
  EXPECT_EQ(Keys(DoRange(Sorted(R::KEY, R::ASCEND))), (Strings{"a", "b", "c", "d"}));
  EXPECT_EQ(Keys(DoRange(Sorted(R::KEY, R::DESCEND))), (Strings{"d", "c", "b", "a"}));
  // Ties (b and d both at version 1) keep key order.
  EXPECT_EQ(Keys(DoRange(Sorted(R::VERSION, R::ASCEND))), (Strings{"b", "d", "a", "c"}));
  EXPECT_EQ(Keys(DoRange(Sorted(R::VERSION, R::DESCEND))), (Strings{"c", "a", "b", "d"}));
  EXPECT_EQ(Keys(DoRange(Sorted(R::CREATE, R::ASCEND))), (Strings{"a", "b", "c", "d"}));
  EXPECT_EQ(Keys(DoRange(Sorted(R::CREATE, R::DESCEND))), (Strings{"d", "c", "b", "a"}));
  EXPECT_EQ(Keys(DoRange(Sorted(R::MOD, R::ASCEND))), (Strings{"b", "a", "d", "c"}));
  EXPECT_EQ(Keys(DoRange(Sorted(R::MOD, R::DESCEND))), (Strings{"c", "d", "a", "b"}));
  // Values compare as bytes: "0" < "1" < "222" < "33".
  EXPECT_EQ(Keys(DoRange(Sorted(R::VALUE, R::ASCEND))), (Strings{"d", "b", "c", "a"}));
  EXPECT_EQ(Keys(DoRange(Sorted(R::VALUE, R::DESCEND))), (Strings{"a", "c", "b", "d"}));
}

TEST_F(EtcdRangeTest, OrderNoneWithATargetOtherThanKeyMeansAscend) {
  using R = RangeRequest;
  EXPECT_EQ(Keys(DoRange(Sorted(R::MOD, R::NONE))), (Strings{"b", "a", "d", "c"}));
  EXPECT_EQ(Keys(DoRange(Sorted(R::VALUE, R::NONE))), (Strings{"d", "b", "c", "a"}));
}

TEST_F(EtcdRangeTest, SortedResultsAreLimitedAfterSorting) {
  using R = RangeRequest;
  RangeRequest r = Sorted(R::MOD, R::DESCEND);
  r.set_limit(2);
  etcdserverpb::RangeResponse got = DoRange(r);
  EXPECT_EQ(Keys(got), (Strings{"c", "d"}));
  EXPECT_TRUE(got.more());
  EXPECT_EQ(got.count(), 4);

  r = Sorted(R::VERSION, R::ASCEND);
  r.set_limit(2);
  EXPECT_EQ(Keys(DoRange(r)), (Strings{"b", "d"}));
}

TEST_F(EtcdRangeTest, ImpliedAscendSortsOnlyTheFirstLimitPlusOneKeys) {
  // etcd fetches limit+1 keys in key order when sort_order is NONE (even
  // though a target other than KEY then sorts ascending): a, b, c, sorted
  // by version (b 1, a 2, c 3), cut to 2. With ASCEND it sorts all keys.
  RangeRequest r = Sorted(RangeRequest::VERSION, RangeRequest::NONE);
  r.set_limit(2);
  etcdserverpb::RangeResponse got = DoRange(r);
  EXPECT_EQ(Keys(got), (Strings{"b", "a"}));
  EXPECT_TRUE(got.more());
  EXPECT_EQ(got.count(), 4);
}

TEST_F(EtcdRangeTest, RevisionFiltersApplyBeforeTheLimitAndNotToCount) {
  RangeRequest r = All();
  r.set_min_mod_revision(5);
  EXPECT_EQ(Keys(DoRange(r)), (Strings{"a", "c", "d"}));
  r.set_limit(2);
  etcdserverpb::RangeResponse got = DoRange(r);
  EXPECT_EQ(Keys(got), (Strings{"a", "c"}));
  EXPECT_TRUE(got.more());
  EXPECT_EQ(got.count(), 4);  // etcd: count is of the range, before filters.

  r = All();
  r.set_max_mod_revision(5);
  EXPECT_EQ(Keys(DoRange(r)), (Strings{"a", "b"}));
  r = All();
  r.set_min_create_revision(4);
  EXPECT_EQ(Keys(DoRange(r)), (Strings{"c", "d"}));
  r = All();
  r.set_max_create_revision(3);
  EXPECT_EQ(Keys(DoRange(r)), (Strings{"a", "b"}));
  r = All();
  r.set_min_create_revision(3);
  r.set_max_mod_revision(6);
  EXPECT_EQ(Keys(DoRange(r)), (Strings{"b", "d"}));

  // Filter, then sort, then limit.
  r = Sorted(RangeRequest::MOD, RangeRequest::DESCEND);
  r.set_max_mod_revision(6);
  r.set_limit(1);
  got = DoRange(r);
  EXPECT_EQ(Keys(got), (Strings{"d"}));
  EXPECT_TRUE(got.more());

  // A filter that removes everything past the limit leaves more unset.
  r = All();
  r.set_min_create_revision(6);
  r.set_limit(1);
  got = DoRange(r);
  EXPECT_EQ(Keys(got), (Strings{"d"}));
  EXPECT_FALSE(got.more());
}

TEST_F(EtcdRangeTest, KeysOnlyAndCountOnly) {
  RangeRequest r = All();
  r.set_keys_only(true);
  etcdserverpb::RangeResponse got = DoRange(r);
  ASSERT_EQ(got.kvs_size(), 4);
  for (const auto& kv : got.kvs()) {
    EXPECT_TRUE(kv.value().empty());
    EXPECT_GT(kv.mod_revision(), 0);
    EXPECT_GT(kv.version(), 0);
  }
  // Sorting by value still sees the values.
  r.set_sort_target(RangeRequest::VALUE);
  got = DoRange(r);
  EXPECT_EQ(Keys(got), (Strings{"d", "b", "c", "a"}));
  EXPECT_TRUE(got.kvs(0).value().empty());

  r = All();
  r.set_count_only(true);
  r.set_limit(1);
  got = DoRange(r);
  EXPECT_EQ(got.kvs_size(), 0);
  EXPECT_EQ(got.count(), 4);
  EXPECT_FALSE(got.more());
  EXPECT_EQ(got.header().revision(), 8);
}

TEST_F(EtcdRangeTest, UnknownSortOptionsAreRejected) {
  RangeRequest r = All();
  r.set_sort_order(static_cast<RangeRequest::SortOrder>(7));
  Status s = RangeError(r);
  EXPECT_TRUE(IsEtcdError(s, EtcdError::kInvalidSortOption)) << s.ToString();
  EXPECT_EQ(s.message(), "etcdserver: invalid sort option");
  r = All();
  r.set_sort_target(static_cast<RangeRequest::SortTarget>(9));
  EXPECT_TRUE(IsEtcdError(RangeError(r), EtcdError::kInvalidSortOption));
}

TEST_F(EtcdRangeTest, SerializableIsIgnoredHere) {
  RangeRequest r = All();
  r.set_serializable(true);
  EXPECT_EQ(DoRange(r).count(), 4);
}

}  // namespace
}  // namespace strata::kv::testing

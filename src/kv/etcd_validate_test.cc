// The API-edge checks of etcd's v3rpc/key.go: empty keys, ignore_* with a
// value or lease, txn size per level, and duplicate keys across branches
// and nested txns.
#include "kv/etcd_validate.h"

#include <gtest/gtest.h>

#include "kv/apply_test_util.h"

namespace strata::kv::testing {
namespace {

bool Is(const Status& s, EtcdError e) { return IsEtcdError(s, e); }

TEST(EtcdValidateTest, SingleRequests) {
  EXPECT_TRUE(ValidateRange(Get("a")).ok());
  EXPECT_TRUE(Is(ValidateRange(Get("")), EtcdError::kEmptyKey));
  EXPECT_EQ(ValidateRange(Get("")).message(), "etcdserver: key is not provided");
  RangeRequest bad_sort = Get("a");
  bad_sort.set_sort_target(static_cast<RangeRequest::SortTarget>(5));
  EXPECT_TRUE(Is(ValidateRange(bad_sort), EtcdError::kInvalidSortOption));

  EXPECT_TRUE(ValidatePut(Put("k", "v")).ok());
  EXPECT_TRUE(Is(ValidatePut(Put("", "v")), EtcdError::kEmptyKey));
  PutRequest p = Put("k", "v");
  p.set_ignore_value(true);
  EXPECT_TRUE(Is(ValidatePut(p), EtcdError::kValueProvided));
  EXPECT_EQ(ValidatePut(p).message(), "etcdserver: value is provided");
  p.clear_value();
  EXPECT_TRUE(ValidatePut(p).ok());
  p.set_ignore_lease(true);
  p.set_lease(5);
  EXPECT_TRUE(Is(ValidatePut(p), EtcdError::kLeaseProvided));
  EXPECT_EQ(ValidatePut(p).message(), "etcdserver: lease is provided");

  EXPECT_TRUE(ValidateDeleteRange(Delete("k")).ok());
  EXPECT_TRUE(Is(ValidateDeleteRange(Delete("")), EtcdError::kEmptyKey));
}

TEST(EtcdValidateTest, TooManyOpsCountsTheLargestListPerLevel) {
  TxnRequest t;
  for (int i = 0; i < 128; ++i) {
    *t.add_compare() = Cmp("c" + std::to_string(i), Compare::VERSION, Compare::EQUAL, 0);
    *t.add_success() = Op(Put("s" + std::to_string(i), "v"));
    *t.add_failure() = Op(Put("f" + std::to_string(i), "v"));
  }
  EXPECT_TRUE(ValidateTxn(t).ok());  // 128 of each is fine: not the total.
  *t.add_failure() = Op(Get("one-more"));
  Status s = ValidateTxn(t);
  EXPECT_TRUE(Is(s, EtcdError::kTooManyOps)) << s.ToString();
  EXPECT_EQ(s.message(), "etcdserver: too many operations in txn request");
  EXPECT_EQ(GrpcCodeOf(s), GrpcCode::kInvalidArgument);
  EXPECT_TRUE(ValidateTxn(t, 129).ok());

  TxnRequest compares;
  for (int i = 0; i < 3; ++i)
    *compares.add_compare() = Cmp("k", Compare::VERSION, Compare::EQUAL, 0);
  EXPECT_TRUE(Is(ValidateTxn(compares, 2), EtcdError::kTooManyOps));
}

TEST(EtcdValidateTest, NestedTxnsGetWhatTheirParentLeaves) {
  TxnRequest inner;
  for (int i = 0; i < 3; ++i) *inner.add_success() = Op(Get("k"));
  TxnRequest outer;
  *outer.add_success() = Op(inner);
  *outer.add_success() = Op(Get("x"));
  // Outer uses 2 of 5; the nested txn may use 3.
  EXPECT_TRUE(ValidateTxn(outer, 5).ok());
  EXPECT_TRUE(Is(ValidateTxn(outer, 4), EtcdError::kTooManyOps));
}

TEST(EtcdValidateTest, EmptyKeysAndEmptyOpsInTxns) {
  TxnRequest t;
  *t.add_compare() = Cmp("", Compare::VERSION, Compare::EQUAL, 0);
  EXPECT_TRUE(Is(ValidateTxn(t), EtcdError::kEmptyKey));

  TxnRequest nested_empty;
  TxnRequest inner;
  *inner.add_failure() = Op(Delete(""));
  *nested_empty.add_success() = Op(inner);
  EXPECT_TRUE(Is(ValidateTxn(nested_empty), EtcdError::kEmptyKey));

  TxnRequest empty_op;
  empty_op.add_success();  // A RequestOp with nothing set.
  EXPECT_TRUE(Is(ValidateTxn(empty_op), EtcdError::kKeyNotFound));

  TxnRequest bad_put;
  PutRequest p = Put("k", "v");
  p.set_ignore_value(true);
  *bad_put.add_failure() = Op(p);
  EXPECT_TRUE(Is(ValidateTxn(bad_put), EtcdError::kValueProvided));
}

// A txn whose success branch is ops.
TxnRequest Success(std::initializer_list<RequestOp> ops) {
  TxnRequest t;
  for (const RequestOp& op : ops) *t.add_success() = op;
  return t;
}

TEST(EtcdValidateTest, DuplicatePutsAndPutsOverDeletesAtOneLevel) {
  const EtcdError dup = EtcdError::kDuplicateKey;
  Status s = ValidateTxn(Success({Op(Put("a", "1")), Op(Put("a", "2"))}));
  EXPECT_TRUE(Is(s, dup)) << s.ToString();
  EXPECT_EQ(s.message(), "etcdserver: duplicate key given in txn request");
  EXPECT_TRUE(ValidateTxn(Success({Op(Put("a", "1")), Op(Put("b", "2"))})).ok());
  // Put and delete of the same key, in either order.
  EXPECT_TRUE(Is(ValidateTxn(Success({Op(Put("a", "1")), Op(Delete("a"))})), dup));
  EXPECT_TRUE(Is(ValidateTxn(Success({Op(Delete("a")), Op(Put("a", "1"))})), dup));
  // A put inside a deleted range; range ends are exclusive.
  EXPECT_TRUE(Is(ValidateTxn(Success({Op(Delete("a", "c")), Op(Put("b", "1"))})), dup));
  EXPECT_TRUE(Is(ValidateTxn(Success({Op(Delete("a", "c")), Op(Put("a", "1"))})), dup));
  EXPECT_TRUE(ValidateTxn(Success({Op(Delete("a", "c")), Op(Put("c", "1"))})).ok());
  // Deletes may overlap each other; reads overlap anything.
  EXPECT_TRUE(ValidateTxn(Success({Op(Delete("a", "c")), Op(Delete("b"))})).ok());
  EXPECT_TRUE(ValidateTxn(Success({Op(Put("a", "1")), Op(Get("a")), Op(Get("a"))})).ok());
  // As in etcd, range_end "\0" is an empty interval to this check.
  EXPECT_TRUE(ValidateTxn(Success({Op(Delete("a", kNul)), Op(Put("b", "1"))})).ok());
  // Success and failure are checked separately.
  TxnRequest both = Success({Op(Put("a", "1"))});
  *both.add_failure() = Op(Put("a", "2"));
  EXPECT_TRUE(ValidateTxn(both).ok());
  *both.add_failure() = Op(Delete("a"));
  EXPECT_TRUE(Is(ValidateTxn(both), dup));
}

TEST(EtcdValidateTest, DuplicatesAcrossNestedTxns) {
  const EtcdError dup = EtcdError::kDuplicateKey;
  TxnRequest inner_then_else = Success({Op(Put("k", "then"))});
  *inner_then_else.add_failure() = Op(Put("k", "else"));
  // The same key in then and else of one nested txn: only one runs.
  EXPECT_TRUE(ValidateTxn(Success({Op(inner_then_else)})).ok());
  // But not together with a put at the enclosing level...
  EXPECT_TRUE(Is(ValidateTxn(Success({Op(inner_then_else), Op(Put("k", "outer"))})), dup));
  EXPECT_TRUE(Is(ValidateTxn(Success({Op(Put("k", "outer")), Op(inner_then_else)})), dup));
  // ...or a delete at the enclosing level...
  EXPECT_TRUE(Is(ValidateTxn(Success({Op(Delete("j", "l")), Op(inner_then_else)})), dup));
  // ...or a put in a sibling txn.
  TxnRequest sibling = Success({Op(Put("k", "sibling"))});
  EXPECT_TRUE(Is(ValidateTxn(Success({Op(sibling), Op(inner_then_else)})), dup));
  TxnRequest else_only;
  *else_only.add_failure() = Op(Put("k", "else"));
  EXPECT_TRUE(Is(ValidateTxn(Success({Op(sibling), Op(else_only)})), dup));

  // A delete in a nested txn conflicts with puts at the enclosing level and
  // in later siblings...
  TxnRequest inner_delete = Success({Op(Delete("k"))});
  EXPECT_TRUE(Is(ValidateTxn(Success({Op(inner_delete), Op(Put("k", "outer"))})), dup));
  EXPECT_TRUE(Is(ValidateTxn(Success({Op(Put("k", "outer")), Op(inner_delete)})), dup));
  EXPECT_TRUE(Is(ValidateTxn(Success({Op(inner_delete), Op(sibling)})), dup));
  // ...but, as in etcd, not with puts of an earlier sibling.
  EXPECT_TRUE(ValidateTxn(Success({Op(sibling), Op(inner_delete)})).ok());

  // Duplicates deeper down are found too.
  TxnRequest deep = Success({Op(Success({Op(Put("d", "1")), Op(Put("d", "2"))}))});
  EXPECT_TRUE(Is(ValidateTxn(deep), dup));
  // Different keys at every level are fine.
  EXPECT_TRUE(ValidateTxn(Success({Op(Put("a", "1")), Op(Success({Op(Put("b", "1"))})),
                                   Op(Success({Op(Delete("c"))}))}))
                  .ok());
}

TEST(EtcdValidateTest, ReadOnlyAndSerializable) {
  TxnRequest reads = Success({Op(Get("a"))});
  *reads.add_failure() = Op(Get("b"));
  EXPECT_TRUE(IsTxnReadOnly(reads));
  EXPECT_FALSE(IsTxnSerializable(reads));
  reads.mutable_success(0)->mutable_request_range()->set_serializable(true);
  reads.mutable_failure(0)->mutable_request_range()->set_serializable(true);
  EXPECT_TRUE(IsTxnSerializable(reads));
  EXPECT_TRUE(IsTxnReadOnly(TxnRequest()));
  EXPECT_FALSE(IsTxnReadOnly(Success({Op(Get("a")), Op(Put("b", "1"))})));
  EXPECT_FALSE(IsTxnReadOnly(Success({Op(Success({Op(Get("a"))}))})));  // Nested: not read-only.
}

}  // namespace
}  // namespace strata::kv::testing

// Applier: Put, DeleteRange and Compaction with etcd 3.5's semantics, the
// extra_writes contract, determinism, and snapshots through the applier.
#include "kv/applier.h"

#include <gtest/gtest.h>

#include "kv/apply_test_util.h"

namespace strata::kv::testing {
namespace {

class ApplierTest : public ApplierTestBase {};

TEST_F(ApplierTest, PutCreatesAndUpdatesWithEtcdBookkeeping) {
  etcdserverpb::PutResponse first = DoPut("foo", "bar");
  EXPECT_EQ(first.header().revision(), 2);
  EXPECT_EQ(first.header().cluster_id(), 0u);
  EXPECT_FALSE(first.has_prev_kv());

  PutRequest again = Put("foo", "baz");
  again.set_prev_kv(true);
  etcdserverpb::PutResponse second = DoPut(again);
  EXPECT_EQ(second.header().revision(), 3);
  ASSERT_TRUE(second.has_prev_kv());
  EXPECT_EQ(second.prev_kv().key(), "foo");
  EXPECT_EQ(second.prev_kv().value(), "bar");
  EXPECT_EQ(second.prev_kv().create_revision(), 2);
  EXPECT_EQ(second.prev_kv().mod_revision(), 2);
  EXPECT_EQ(second.prev_kv().version(), 1);

  etcdserverpb::RangeResponse got = DoRange(Get("foo"));
  ASSERT_EQ(got.kvs_size(), 1);
  EXPECT_EQ(got.kvs(0).value(), "baz");
  EXPECT_EQ(got.kvs(0).version(), 2);
  EXPECT_EQ(got.kvs(0).create_revision(), 2);
  EXPECT_EQ(got.kvs(0).mod_revision(), 3);
  EXPECT_EQ(StoredAppliedIndex(), 2u);
}

TEST_F(ApplierTest, PutPrevKvOfANewKeyIsAbsent) {
  PutRequest p = Put("new", "v");
  p.set_prev_kv(true);
  EXPECT_FALSE(DoPut(p).has_prev_kv());
}

TEST_F(ApplierTest, IgnoreValueKeepsTheValueAndIgnoreLeaseTheLease) {
  DoPut("k", "original");
  PutRequest p;
  p.set_key("k");
  p.set_ignore_value(true);
  p.set_prev_kv(true);
  etcdserverpb::PutResponse r = DoPut(p);
  EXPECT_EQ(r.header().revision(), 3);
  EXPECT_EQ(r.prev_kv().value(), "original");
  auto got = DoRange(Get("k"));
  EXPECT_EQ(got.kvs(0).value(), "original");
  EXPECT_EQ(got.kvs(0).version(), 2);
  EXPECT_EQ(got.kvs(0).mod_revision(), 3);

  PutRequest q = Put("k", "new value");
  q.set_ignore_lease(true);
  DoPut(q);
  got = DoRange(Get("k"));
  EXPECT_EQ(got.kvs(0).value(), "new value");
  EXPECT_EQ(got.kvs(0).lease(), 0);
}

TEST_F(ApplierTest, IgnoreFlagsOnAMissingKeyFailWithKeyNotFoundAndStillWriteExtra) {
  for (int flag = 0; flag < 2; ++flag) {
    PutRequest p;
    p.set_key("missing");
    if (flag == 0) p.set_ignore_value(true);
    if (flag == 1) p.set_ignore_lease(true);
    ApplyResponse r = Apply(Request(p));
    EXPECT_TRUE(IsEtcdError(r.error, EtcdError::kKeyNotFound)) << r.error.ToString();
    EXPECT_EQ(r.error.message(), "etcdserver: key not found");
    EXPECT_EQ(GrpcCodeOf(r.error), GrpcCode::kInvalidArgument);
    EXPECT_TRUE(std::holds_alternative<std::monostate>(r.response));
    EXPECT_TRUE(r.events.empty());
    EXPECT_EQ(store_->CurrentRevision(), 1);
    EXPECT_EQ(StoredAppliedIndex(), index_);
  }
}

TEST_F(ApplierTest, NonZeroLeaseIsNotFoundUntilLeasesExist) {
  PutRequest p = Put("k", "v");
  p.set_lease(12345);
  ApplyResponse r = Apply(Request(p));
  EXPECT_TRUE(IsEtcdError(r.error, EtcdError::kLeaseNotFound));
  EXPECT_EQ(r.error.message(), "etcdserver: requested lease not found");
  EXPECT_EQ(GrpcCodeOf(r.error), GrpcCode::kNotFound);
  EXPECT_EQ(store_->CurrentRevision(), 1);
  EXPECT_EQ(StoredAppliedIndex(), 1u);
  // etcd checks the lease before the key: a missing key with a bad lease is
  // a lease error.
  p.set_ignore_value(true);
  p.clear_value();
  EXPECT_TRUE(IsEtcdError(Apply(Request(p)).error, EtcdError::kLeaseNotFound));
}

TEST_F(ApplierTest, EmptyPutKeyFailsDeterministically) {
  ApplyResponse r = Apply(Request(Put("", "v")));
  EXPECT_TRUE(IsEtcdError(r.error, EtcdError::kEmptyKey));
  EXPECT_EQ(StoredAppliedIndex(), 1u);
}

TEST_F(ApplierTest, PutReportsItsEvent) {
  DoPut("k", "1");
  ApplyResponse r = Apply(Request(Put("k", "2")));
  ASSERT_EQ(r.events.size(), 1u);
  EXPECT_EQ(r.events[0].type, Event::Type::kPut);
  EXPECT_EQ(r.events[0].kv.value, "2");
  ASSERT_TRUE(r.events[0].prev_kv.has_value());
  EXPECT_EQ(r.events[0].prev_kv->value, "1");
}

TEST_F(ApplierTest, DeleteRangeConventionsPrevKvAndCount) {
  for (const char* k : {"a", "b", "c", "d"}) DoPut(k, std::string("v") + k);  // Revisions 2..5.

  etcdserverpb::DeleteRangeResponse one = DoDelete(Delete("b"));
  EXPECT_EQ(one.deleted(), 1);
  EXPECT_EQ(one.prev_kvs_size(), 0);  // Not asked for.
  EXPECT_EQ(one.header().revision(), 6);

  etcdserverpb::DeleteRangeResponse range = DoDelete(Delete("a", "c", /*prev=*/true));
  EXPECT_EQ(range.deleted(), 1);  // b is already gone.
  ASSERT_EQ(range.prev_kvs_size(), 1);
  EXPECT_EQ(range.prev_kvs(0).key(), "a");
  EXPECT_EQ(range.prev_kvs(0).value(), "va");
  EXPECT_EQ(range.prev_kvs(0).mod_revision(), 2);
  EXPECT_EQ(range.header().revision(), 7);

  // range_end "\0": every key >= key.
  etcdserverpb::DeleteRangeResponse rest = DoDelete(Delete("c", kNul, /*prev=*/true));
  EXPECT_EQ(rest.deleted(), 2);
  ASSERT_EQ(rest.prev_kvs_size(), 2);
  EXPECT_EQ(rest.prev_kvs(0).key(), "c");
  EXPECT_EQ(rest.prev_kvs(1).key(), "d");
  EXPECT_EQ(rest.header().revision(), 8);

  // Nothing left: no new revision, and the header says so.
  etcdserverpb::DeleteRangeResponse none = DoDelete(Delete(kNul, kNul));
  EXPECT_EQ(none.deleted(), 0);
  EXPECT_EQ(none.header().revision(), 8);
  EXPECT_EQ(store_->CurrentRevision(), 8);
  EXPECT_EQ(StoredAppliedIndex(), index_);
}

TEST_F(ApplierTest, DeleteAllKeysWithNulNul) {
  for (const char* k : {"a", "b", "zz"}) DoPut(k, "v");
  EXPECT_EQ(DoDelete(Delete(kNul, kNul)).deleted(), 3);
  EXPECT_EQ(DoRange(Get(kNul, kNul)).count(), 0);
}

TEST_F(ApplierTest, CompactionRulesAndHeader) {
  for (int i = 0; i < 5; ++i) DoPut("k", std::to_string(i));  // Revisions 2..6.
  auto r = ApplyOk<etcdserverpb::CompactionResponse>(Compaction(4, /*physical=*/true));
  EXPECT_EQ(r.header().revision(), 6);
  EXPECT_EQ(store_->CompactedRevision(), 4);
  EXPECT_FALSE(store_->CompactionPending());  // Inline by default.

  ApplyResponse again = Apply(Compaction(4));
  EXPECT_TRUE(IsEtcdError(again.error, EtcdError::kCompacted));
  EXPECT_EQ(again.error.message(), "etcdserver: mvcc: required revision has been compacted");
  EXPECT_EQ(GrpcCodeOf(again.error), GrpcCode::kOutOfRange);
  EXPECT_TRUE(IsEtcdError(Apply(Compaction(3)).error, EtcdError::kCompacted));

  ApplyResponse future = Apply(Compaction(7));
  EXPECT_TRUE(IsEtcdError(future.error, EtcdError::kFutureRev));
  EXPECT_EQ(future.error.message(), "etcdserver: mvcc: required revision is a future revision");
  EXPECT_EQ(StoredAppliedIndex(), index_);

  // Compacting to the current revision is allowed.
  EXPECT_TRUE(Apply(Compaction(6)).error.ok());

  // Reads below the compacted revision fail; at it they work.
  RangeRequest old = Get("k");
  old.set_revision(5);
  EXPECT_TRUE(IsEtcdError(RangeError(old), EtcdError::kCompacted));
  old.set_revision(6);
  EXPECT_EQ(DoRange(old).kvs(0).value(), "4");
}

// A raft Ready's entries apply as one batch: failed requests, the applied
// index and an inline compaction in the middle all behave as one by one.
TEST_F(ApplierTest, ABatchAppliesLikeOneRequestAtATime) {
  DoPut("k", "0");  // Revision 2.
  applier_.BeginBatch();
  DoPut("k", "1");
  PutRequest missing;
  missing.set_key("missing");
  missing.set_ignore_value(true);
  EXPECT_TRUE(IsEtcdError(Apply(Request(missing)).error, EtcdError::kKeyNotFound));
  PutRequest with_prev = Put("k", "2");
  with_prev.set_prev_kv(true);
  EXPECT_EQ(DoPut(with_prev).prev_kv().value(), "1");  // Sees the batch's own put.
  EXPECT_EQ(store_->CurrentRevision(), 2);             // Readers do not, yet.
  // An inline compaction writes what came before it, then goes on batching.
  EXPECT_EQ(ApplyOk<etcdserverpb::CompactionResponse>(Compaction(3)).header().revision(), 4);
  EXPECT_EQ(store_->CompactedRevision(), 3);
  EXPECT_FALSE(store_->CompactionPending());
  DoPut("k", "3");
  EXPECT_EQ(store_->CurrentRevision(), 4);
  EXPECT_EQ(StoredAppliedIndex(), index_ - 1);
  ASSERT_TRUE(applier_.CommitBatch().ok());
  EXPECT_EQ(store_->CurrentRevision(), 5);
  EXPECT_EQ(StoredAppliedIndex(), index_);
  auto got = DoRange(Get("k"));
  ASSERT_EQ(got.kvs_size(), 1);
  EXPECT_EQ(got.kvs(0).value(), "3");
  EXPECT_EQ(got.kvs(0).version(), 4);
  RangeRequest compacted = Get("k");
  compacted.set_revision(2);
  EXPECT_TRUE(IsEtcdError(RangeError(compacted), EtcdError::kCompacted));
}

TEST(ApplierCompactionTest, WithoutInlineCompactionTheCallerRunsIt) {
  storage::MemoryEngine engine;
  auto store = OpenStore(&engine);
  ApplierOptions options;
  options.compact_inline = false;
  options.compact_step_entries = 1;
  Applier applier(store.get(), options);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(applier.Apply(Serialize(Request(Put("k", std::to_string(i)))), {}).ok());
  }
  auto applied = applier.Apply(Serialize(Compaction(5, /*physical=*/true)), {});
  ASSERT_TRUE(applied.ok());
  auto hash_before = store->Hash();  // Logically compacted, physically not yet.
  EXPECT_TRUE(applied->error.ok());
  EXPECT_TRUE(applied->compaction_pending);
  EXPECT_TRUE(store->CompactionPending());
  EXPECT_EQ(CountEntries(engine, storage::ColumnFamily::kMvcc), 5u);
  ASSERT_TRUE(applier.RunCompaction().ok());
  EXPECT_FALSE(store->CompactionPending());
  EXPECT_EQ(CountEntries(engine, storage::ColumnFamily::kMvcc), 2u);
  auto hash_after = store->Hash();
  ASSERT_TRUE(hash_before.ok() && hash_after.ok());
  EXPECT_EQ(hash_before->hash, hash_after->hash);
}

TEST_F(ApplierTest, MalformedAndNonKvCommandsFailAndStillWriteExtra) {
  auto garbage = applier_.Apply(std::string("\xff\xff\xff", 3), AppliedIndex(5));
  ASSERT_TRUE(garbage.ok());
  EXPECT_TRUE(garbage->error.Is(StatusCode::kInvalidArgument));
  EXPECT_EQ(StoredAppliedIndex(), 5u);

  InternalRequest auth;
  auth.mutable_auth_status();
  auto other = applier_.Apply(Serialize(auth), AppliedIndex(6));
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->error.Is(StatusCode::kInvalidArgument));
  EXPECT_EQ(StoredAppliedIndex(), 6u);

  auto empty = applier_.Apply("", AppliedIndex(7));  // Parses: no request set.
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->error.Is(StatusCode::kInvalidArgument));
  EXPECT_EQ(StoredAppliedIndex(), 7u);
  EXPECT_EQ(store_->CurrentRevision(), 1);
}

InternalRequest Grant(int64_t id, int64_t ttl) {
  InternalRequest r;
  r.mutable_lease_grant()->set_id(id);
  r.mutable_lease_grant()->set_ttl(ttl);
  return r;
}
InternalRequest Revoke(int64_t id) {
  InternalRequest r;
  r.mutable_lease_revoke()->set_id(id);
  return r;
}
PutRequest PutWithLease(std::string key, std::string value, int64_t lease) {
  PutRequest p = Put(std::move(key), std::move(value));
  p.set_lease(lease);
  return p;
}

TEST_F(ApplierTest, LeaseRevokeDeletesItsKeysInOneRevision) {
  auto granted = ApplyOk<etcdserverpb::LeaseGrantResponse>(Grant(7, 30));
  EXPECT_EQ(granted.id(), 7);
  EXPECT_EQ(granted.ttl(), 30);
  EXPECT_TRUE(Apply(Grant(7, 5)).error.Is(StatusCode::kFailedPrecondition));  // Exists.
  DoPut("plain", "x");
  ApplyOk<etcdserverpb::PutResponse>(Request(PutWithLease("a", "1", 7)));
  ApplyOk<etcdserverpb::PutResponse>(Request(PutWithLease("b", "1", 7)));
  ApplyOk<etcdserverpb::PutResponse>(Request(PutWithLease("b", "2", 7)));
  std::optional<Lease> lease = applier_.leases().Get(7);
  ASSERT_TRUE(lease.has_value());
  EXPECT_EQ(lease->keys, (std::vector<std::string>{"a", "b"}));
  int64_t before = store_->CurrentRevision();
  ApplyResponse revoked = Apply(Revoke(7));
  ASSERT_TRUE(revoked.error.ok()) << revoked.error.ToString();
  EXPECT_EQ(revoked.events.size(), 2u);
  EXPECT_EQ(revoked.leases_revoked, std::vector<int64_t>{7});
  EXPECT_EQ(store_->CurrentRevision(), before + 1);
  EXPECT_EQ(Keys(DoRange(Get("a", "z"))), std::vector<std::string>{"plain"});
  EXPECT_FALSE(applier_.leases().Exists(7));
  EXPECT_TRUE(Apply(Revoke(7)).error.Is(StatusCode::kNotFound));
}

TEST_F(ApplierTest, PutsMoveKeysBetweenLeasesAndDeletesDetachThem) {
  ApplyOk<etcdserverpb::LeaseGrantResponse>(Grant(1, 10));
  ApplyOk<etcdserverpb::LeaseGrantResponse>(Grant(2, 10));
  EXPECT_TRUE(Apply(Request(PutWithLease("k", "v", 3))).error.Is(StatusCode::kNotFound));
  ApplyOk<etcdserverpb::PutResponse>(Request(PutWithLease("k", "v", 1)));
  ApplyOk<etcdserverpb::PutResponse>(Request(PutWithLease("k", "v", 2)));
  EXPECT_TRUE(applier_.leases().Get(1)->keys.empty());
  EXPECT_EQ(applier_.leases().Get(2)->keys, std::vector<std::string>{"k"});
  // A txn puts the key under lease 1 and then lease 2: it ends under 2.
  TxnRequest t;
  *t.add_success() = Op(PutWithLease("t", "1", 1));
  *t.add_success() = Op(PutWithLease("t", "2", 2));
  DoTxn(t);
  EXPECT_TRUE(applier_.leases().Get(1)->keys.empty());
  EXPECT_EQ(applier_.leases().Get(2)->keys, (std::vector<std::string>{"k", "t"}));
  DoDelete(Delete("k"));
  EXPECT_EQ(applier_.leases().Get(2)->keys, std::vector<std::string>{"t"});
  // What is in memory is what a restart reads back.
  Applier reopened(store_.get());
  ASSERT_TRUE(reopened.LoadLeases().ok());
  EXPECT_EQ(reopened.leases().Get(2)->keys, std::vector<std::string>{"t"});
  EXPECT_EQ(reopened.leases().List(), (std::vector<std::pair<int64_t, int64_t>>{{1, 10}, {2, 10}}));
}

TEST_F(ApplierTest, RangeThroughRaftReadsTheCurrentState) {
  DoPut("a", "1");
  auto r = ApplyOk<etcdserverpb::RangeResponse>(Request(Get("a")));
  ASSERT_EQ(r.kvs_size(), 1);
  EXPECT_EQ(r.header().revision(), 2);
  EXPECT_EQ(StoredAppliedIndex(), 2u);
  EXPECT_EQ(store_->CurrentRevision(), 2);
}

TEST_F(ApplierTest, EngineFailureIsFatalAndWritesNothing) {
  DoPut("a", "1");
  engine_.FailWritesWith(Status::IOError("disk gone"));
  auto r = applier_.Apply(Serialize(Request(Put("a", "2"))), AppliedIndex(9));
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.status().Is(StatusCode::kIOError));
  engine_.FailWritesWith(Status::Ok());
  EXPECT_EQ(StoredAppliedIndex(), 1u);
  EXPECT_EQ(DoRange(Get("a")).kvs(0).value(), "1");
}

// A script of commands with failures, txns, deletes and compactions.
std::vector<InternalRequest> Script() {
  std::vector<InternalRequest> script;
  for (int i = 0; i < 40; ++i) {
    const std::string key = "key" + std::to_string(i % 9);
    script.push_back(Request(Put(key, "value" + std::to_string(i))));
    if (i % 6 == 5) script.push_back(Request(Delete("key" + std::to_string(i % 4), "key7")));
    if (i % 8 == 3) {
      PutRequest ignore;
      ignore.set_key(i % 16 == 3 ? "absent" : key);
      ignore.set_ignore_value(true);
      script.push_back(Request(ignore));
    }
    if (i % 10 == 9) {
      TxnRequest t;
      *t.add_compare() = Cmp(key, Compare::VERSION, Compare::GREATER, 1);
      *t.add_success() = Op(Put("txn-" + key, "yes"));
      *t.add_success() = Op(Get("key", "kez"));
      *t.add_failure() = Op(Delete("key0"));
      script.push_back(Request(t));
    }
    if (i == 20) script.push_back(Compaction(15, true));
    if (i == 30) script.push_back(Compaction(10));  // Fails: already compacted.
  }
  return script;
}

TEST(ApplierDeterminismTest, SameCommandsGiveSameHashResponsesAndBytes) {
  storage::MemoryEngine engine_a, engine_b;
  auto a = OpenStore(&engine_a);
  auto b = OpenStore(&engine_b);
  ApplierOptions lazy;
  lazy.compact_inline = false;  // b compacts physically later: hashes must not care.
  Applier applier_a(a.get()), applier_b(b.get(), lazy);
  uint64_t index = 0;
  for (const InternalRequest& request : Script()) {
    ++index;
    const std::string command = Serialize(request);
    auto ra = applier_a.Apply(command, AppliedIndex(index));
    auto rb = applier_b.Apply(command, AppliedIndex(index));
    ASSERT_TRUE(ra.ok() && rb.ok());
    EXPECT_EQ(ra->error.ToString(), rb->error.ToString()) << index;
    EXPECT_EQ(ra->response.index(), rb->response.index()) << index;
    auto ha = a->Hash();
    auto hb = b->Hash();
    ASSERT_TRUE(ha.ok() && hb.ok());
    EXPECT_EQ(ha->hash, hb->hash) << "diverged at command " << index;
    EXPECT_EQ(ha->revision, hb->revision);
  }
  EXPECT_GT(a->CurrentRevision(), 40);
  EXPECT_EQ(a->CompactedRevision(), 15);
  ASSERT_TRUE(applier_b.RunCompaction().ok());
  // Once compacted alike, the engines hold the same bytes.
  auto dump = [](const storage::Engine& e, storage::ColumnFamily cf) {
    std::vector<std::pair<std::string, std::string>> out;
    auto it = e.NewIterator(cf, {});
    STRATA_ASSERT(it.ok());
    for ((*it)->SeekToFirst(); (*it)->Valid(); (*it)->Next()) {
      out.emplace_back(std::string((*it)->key()), std::string((*it)->value()));
    }
    return out;
  };
  EXPECT_EQ(dump(engine_a, storage::ColumnFamily::kMvcc),
            dump(engine_b, storage::ColumnFamily::kMvcc));
  EXPECT_EQ(dump(engine_a, storage::ColumnFamily::kMeta),
            dump(engine_b, storage::ColumnFamily::kMeta));
}

TEST(ApplierSnapshotTest, ExportImportRoundTripThroughTheApplier) {
  storage::MemoryEngine engine_a, engine_b;
  auto a = OpenStore(&engine_a);
  auto b = OpenStore(&engine_b);
  Applier applier_a(a.get()), applier_b(b.get());
  uint64_t index = 0;
  for (const InternalRequest& request : Script()) {
    ASSERT_TRUE(applier_a.Apply(Serialize(request), AppliedIndex(++index)).ok());
  }
  ASSERT_TRUE(applier_b.Apply(Serialize(Request(Put("stale", "x"))), AppliedIndex(1)).ok());
  auto data = applier_a.ExportState();
  ASSERT_TRUE(data.ok());
  ASSERT_TRUE(applier_b.ImportState(*data, AppliedIndex(index)).ok());
  auto ha = a->Hash();
  auto hb = b->Hash();
  ASSERT_TRUE(ha.ok() && hb.ok());
  EXPECT_EQ(ha->hash, hb->hash);
  EXPECT_EQ(a->CurrentRevision(), b->CurrentRevision());
  EXPECT_EQ(a->CompactedRevision(), b->CompactedRevision());
  auto stale = applier_b.Range(Get("stale"));
  ASSERT_TRUE(stale.ok());
  EXPECT_EQ(stale->count(), 0);

  // Both continue identically.
  const std::string next = Serialize(Request(Put("next", "1")));
  ASSERT_TRUE(applier_a.Apply(next, AppliedIndex(index + 1)).ok());
  ASSERT_TRUE(applier_b.Apply(next, AppliedIndex(index + 1)).ok());
  EXPECT_EQ(a->Hash()->hash, b->Hash()->hash);

  // A corrupt snapshot changes nothing.
  std::string corrupt = *data;
  corrupt[corrupt.size() / 3] ^= 0x20;
  Status s = applier_b.ImportState(corrupt, AppliedIndex(1));
  EXPECT_TRUE(s.Is(StatusCode::kCorruption)) << s.ToString();
  EXPECT_EQ(a->Hash()->hash, b->Hash()->hash);
}

}  // namespace
}  // namespace strata::kv::testing

// HashByRev: equal on replicas that applied the same operations, different
// after a divergence, independent of physical compaction progress.
#include <gtest/gtest.h>

#include "kv/errors.h"
#include "kv/mvcc_store.h"
#include "kv/mvcc_test_util.h"
#include "storage/rocks_engine.h"
#include "storage/test_temp_dir.h"

namespace strata::kv {
namespace {

// The same script of operations, applied to any store.
void ApplyScript(MvccStore& store) {
  for (int i = 0; i < 30; ++i) {
    PutOne(store, "key" + std::to_string(i % 7), "value" + std::to_string(i), i % 3);
    if (i % 5 == 4) DeleteOne(store, "key" + std::to_string(i % 4));
  }
  auto txn = store.BeginWrite();
  STRATA_ASSERT(txn.ok());
  STRATA_ASSERT((*txn)->Put("multi-a", "1").ok());
  STRATA_ASSERT((*txn)->Put("multi-b", "2").ok());
  STRATA_ASSERT((*txn)->Commit(false).ok());
}

uint32_t HashAt(const MvccStore& store, int64_t revision = 0) {
  auto hash = store.HashByRev(revision);
  STRATA_ASSERT_MSG(hash.ok(), hash.status().ToString());
  return hash->hash;
}

TEST(HashTest, SameOperationsGiveSameHashAtEveryRevision) {
  storage::MemoryEngine engine_a, engine_b;
  auto a = OpenStore(&engine_a);
  auto b = OpenStore(&engine_b);
  ApplyScript(*a);
  ApplyScript(*b);
  ASSERT_EQ(a->CurrentRevision(), b->CurrentRevision());
  for (int64_t rev = 1; rev <= a->CurrentRevision(); ++rev) {
    EXPECT_EQ(HashAt(*a, rev), HashAt(*b, rev)) << "revision " << rev;
  }
  auto result = a->Hash();
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->revision, a->CurrentRevision());
  EXPECT_EQ(result->hash_revision, a->CurrentRevision());
  EXPECT_EQ(result->compact_revision, 0);
}

TEST(HashTest, SameOperationsGiveSameHashOnRocksAndMemoryEngines) {
  storage::TestTempDir dir;
  auto rocks = storage::RocksEngine::Open(dir.Sub("db"));
  ASSERT_TRUE(rocks.ok());
  storage::MemoryEngine memory;
  auto a = OpenStore(rocks->get());
  auto b = OpenStore(&memory);
  ApplyScript(*a);
  ApplyScript(*b);
  EXPECT_EQ(HashAt(*a), HashAt(*b));
}

TEST(HashTest, DivergentOperationChangesHash) {
  storage::MemoryEngine engine_a, engine_b, engine_c;
  auto a = OpenStore(&engine_a);
  auto b = OpenStore(&engine_b);
  auto c = OpenStore(&engine_c);
  ApplyScript(*a);
  ApplyScript(*b);
  ApplyScript(*c);
  PutOne(*a, "x", "1");
  PutOne(*b, "x", "2");               // Different value.
  PutOne(*c, "x", "1", /*lease=*/9);  // Different lease.
  EXPECT_NE(HashAt(*a), HashAt(*b));
  EXPECT_NE(HashAt(*a), HashAt(*c));
  // The history before the divergence still agrees.
  const int64_t before = a->CurrentRevision() - 1;
  EXPECT_EQ(HashAt(*a, before), HashAt(*b, before));
}

TEST(HashTest, HashByRevIgnoresLaterWrites) {
  storage::MemoryEngine engine;
  auto store = OpenStore(&engine);
  ApplyScript(*store);
  const int64_t rev = store->CurrentRevision();
  const uint32_t before = HashAt(*store, rev);
  PutOne(*store, "key1", "later");
  EXPECT_EQ(HashAt(*store, rev), before);
  EXPECT_NE(HashAt(*store), before);
}

TEST(HashTest, PhysicalCompactionDoesNotChangeHash) {
  storage::MemoryEngine engine_a, engine_b;
  auto a = OpenStore(&engine_a);
  auto b = OpenStore(&engine_b);
  ApplyScript(*a);
  ApplyScript(*b);
  const int64_t compact_to = a->CurrentRevision() - 5;
  // a: compaction committed, history not yet dropped.
  auto txn = a->BeginWrite();
  ASSERT_TRUE(txn.ok());
  ASSERT_TRUE((*txn)->Compact(compact_to).ok());
  ASSERT_TRUE((*txn)->Commit(false).ok());
  // b: compaction finished.
  ASSERT_TRUE(b->Compact(compact_to).ok());
  ASSERT_LT(CountEntries(engine_b, storage::ColumnFamily::kMvcc),
            CountEntries(engine_a, storage::ColumnFamily::kMvcc));
  EXPECT_EQ(HashAt(*a), HashAt(*b));
  EXPECT_EQ(HashAt(*a, compact_to), HashAt(*b, compact_to));
  EXPECT_EQ(a->Hash()->compact_revision, compact_to);
}

TEST(HashTest, HashByRevChecksRevision) {
  storage::MemoryEngine engine;
  auto store = OpenStore(&engine);
  ApplyScript(*store);
  EXPECT_TRUE(IsFutureRevisionError(store->HashByRev(store->CurrentRevision() + 1).status()));
  ASSERT_TRUE(store->Compact(10).ok());
  EXPECT_TRUE(IsCompactedError(store->HashByRev(9).status()));
  EXPECT_TRUE(store->HashByRev(10).ok());
}

}  // namespace
}  // namespace strata::kv

// LatestCache on its own, and an MvccStore with a tiny cache behaving exactly
// like one without: same previous versions, same history, same hash.
#include "kv/latest_cache.h"

#include <random>

#include <gtest/gtest.h>

#include "kv/mvcc_store.h"
#include "kv/mvcc_test_util.h"

namespace strata::kv {
namespace {

KeyValue Version(std::string key, int64_t revision, std::string value) {
  return KeyValue{std::move(key), revision, revision, 1, std::move(value), 0};
}

TEST(LatestCacheTest, KnowsPresentAndAbsentKeysAndNothingElse) {
  LatestCache cache(1 << 20);
  EXPECT_EQ(cache.Lookup("never"), std::nullopt);

  KeyValue a{"a", 2, 5, 3, "value", 7};
  cache.RecordPut(a);
  EXPECT_EQ(cache.Lookup("a"), std::optional<std::optional<KeyValue>>(a));

  cache.RecordDelete("a");
  auto deleted = cache.Lookup("a");
  ASSERT_TRUE(deleted.has_value());
  EXPECT_EQ(*deleted, std::nullopt);

  cache.RecordDelete("b");  // Absence is knowledge too.
  ASSERT_TRUE(cache.Lookup("b").has_value());
  EXPECT_EQ(*cache.Lookup("b"), std::nullopt);
}

TEST(LatestCacheTest, StatsCountHitsMissesAndBytes) {
  LatestCache cache(1 << 20);
  EXPECT_FALSE(cache.Lookup("a").has_value());
  cache.RecordPut(Version("a", 2, "1"));
  cache.RecordDelete("b");
  EXPECT_TRUE(cache.Lookup("a").has_value());
  EXPECT_TRUE(cache.Lookup("b").has_value());
  LatestCache::Stats stats = cache.stats();
  EXPECT_EQ(stats.hits, 2u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.bytes, cache.bytes());
  EXPECT_GT(stats.bytes, 0u);
  cache.Clear();
  EXPECT_EQ(cache.stats().bytes, 0u);
  EXPECT_EQ(cache.stats().hits, 2u);  // Counts survive a Clear.

  LatestCache off(0);
  EXPECT_FALSE(off.Lookup("a").has_value());
  EXPECT_EQ(off.stats().misses, 0u);  // Disabled: nothing to count.
}

TEST(LatestCacheTest, ANewerVersionReplacesTheOlderOneAndItsCharge) {
  LatestCache cache(1 << 20);
  cache.RecordPut(Version("k", 2, std::string(1000, 'x')));
  size_t big = cache.bytes();
  cache.RecordPut(Version("k", 3, "small"));
  EXPECT_EQ(cache.bytes(), big - 1000 + 5);
  EXPECT_EQ((*cache.Lookup("k"))->value, "small");
}

TEST(LatestCacheTest, StaysWithinItsBudgetAndKeepsTheRecentKeys) {
  const size_t capacity = 8 << 10;
  LatestCache cache(capacity);
  for (int i = 0; i < 1000; ++i) {
    cache.RecordPut(Version("key" + std::to_string(i), i + 2, std::string(50, 'v')));
    EXPECT_LE(cache.bytes(), capacity);
  }
  EXPECT_TRUE(cache.Lookup("key999").has_value());
  EXPECT_FALSE(cache.Lookup("key0").has_value());
}

TEST(LatestCacheTest, AKeyReadAgainSurvivesTheNextTurnOfGenerations) {
  const size_t capacity = 8 << 10;
  LatestCache cache(capacity);
  cache.RecordPut(Version("hot", 2, "h"));
  // Keep reading "hot" while many other keys go through the cache: each
  // hit in the old generation brings it back into the young one.
  for (int i = 0; i < 1000; ++i) {
    cache.RecordPut(Version("cold" + std::to_string(i), i + 3, std::string(50, 'c')));
    ASSERT_TRUE(cache.Lookup("hot").has_value()) << "lost after " << i << " other keys";
  }
  EXPECT_EQ((*cache.Lookup("hot"))->value, "h");
  EXPECT_LE(cache.bytes(), capacity);
}

TEST(LatestCacheTest, ClearForgetsEverything) {
  LatestCache cache(1 << 20);
  cache.RecordPut(Version("a", 2, "1"));
  cache.RecordDelete("b");
  cache.Clear();
  EXPECT_EQ(cache.bytes(), 0u);
  EXPECT_FALSE(cache.Lookup("a").has_value());
  EXPECT_FALSE(cache.Lookup("b").has_value());
}

TEST(LatestCacheTest, ZeroCapacityAndOversizedValuesAreNotCached) {
  LatestCache off(0);
  off.RecordPut(Version("a", 2, "1"));
  off.RecordDelete("b");
  EXPECT_FALSE(off.Lookup("a").has_value());
  EXPECT_FALSE(off.Lookup("b").has_value());

  LatestCache small(1 << 10);
  small.RecordPut(Version("huge", 2, std::string(4 << 10, 'x')));
  EXPECT_FALSE(small.Lookup("huge").has_value());
  EXPECT_EQ(small.bytes(), 0u);
  // Nor is a key whose new value outgrows the cache: its old version goes.
  small.RecordPut(Version("grows", 2, "short"));
  small.RecordPut(Version("grows", 3, std::string(4 << 10, 'x')));
  EXPECT_FALSE(small.Lookup("grows").has_value());
  EXPECT_EQ(small.bytes(), 0u);
}

// Two stores fed the same random operations, one caching in a budget small
// enough to turn generations often, one not caching at all.
class CachedStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    MvccOptions tiny;
    tiny.latest_cache_bytes = 2 << 10;
    MvccOptions off;
    off.latest_cache_bytes = 0;
    cached_ = OpenStore(&cached_engine_, tiny);
    plain_ = OpenStore(&plain_engine_, off);
  }

  void TearDown() override {
    // A failed assertion may leave a batch open, which the store refuses.
    for (MvccStore* store : {cached_.get(), plain_.get()}) {
      if (store->batch_open()) (void)store->CommitBatch(/*sync=*/false);
    }
  }

  // One random transaction, the same on both stores, which must agree on
  // every previous version it reads.
  void RandomTxn(std::mt19937_64& rng, bool commit) {
    auto a = cached_->BeginWrite();
    auto b = plain_->BeginWrite();
    ASSERT_TRUE(a.ok() && b.ok());
    int ops = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < ops; ++i) {
      std::string key = "key" + std::to_string(rng() % 40);
      if (rng() % 4 == 0) {
        std::string end = rng() % 3 == 0 ? "key" + std::to_string(rng() % 40) : "";
        auto da = (*a)->DeleteRange(key, end);
        auto db = (*b)->DeleteRange(key, end);
        ASSERT_TRUE(da.ok() && db.ok());
        ASSERT_EQ(da->prev_kvs, db->prev_kvs);
      } else {
        std::string value(rng() % 200, static_cast<char>('a' + rng() % 26));
        int64_t lease = static_cast<int64_t>(rng() % 3);
        auto pa = (*a)->Put(key, value, lease);
        auto pb = (*b)->Put(key, value, lease);
        ASSERT_TRUE(pa.ok() && pb.ok());
        ASSERT_EQ(*pa, *pb) << "previous version of " << key;
      }
    }
    if (commit) {
      ASSERT_TRUE((*a)->Commit(/*sync=*/false).ok());
      ASSERT_TRUE((*b)->Commit(/*sync=*/false).ok());
    }
  }

  void ExpectSameState() {
    auto ha = cached_->Hash();
    auto hb = plain_->Hash();
    ASSERT_TRUE(ha.ok() && hb.ok());
    EXPECT_EQ(ha->hash, hb->hash);
    EXPECT_EQ(ha->revision, hb->revision);
  }

  storage::MemoryEngine cached_engine_, plain_engine_;
  std::unique_ptr<MvccStore> cached_, plain_;
};

TEST_F(CachedStoreTest, RandomTransactionsAbortsAndBatchesSeeTheSameVersions) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE(seed);
    std::mt19937_64 rng(seed);
    for (int round = 0; round < 30; ++round) {
      bool batch = rng() % 2 == 0;
      if (batch) {
        cached_->BeginBatch();
        plain_->BeginBatch();
      }
      int txns = 1 + static_cast<int>(rng() % 6);
      for (int t = 0; t < txns; ++t) {
        ASSERT_NO_FATAL_FAILURE(RandomTxn(rng, /*commit=*/rng() % 5 != 0));
      }
      if (batch) {
        ASSERT_TRUE(cached_->CommitBatch(/*sync=*/false).ok());
        ASSERT_TRUE(plain_->CommitBatch(/*sync=*/false).ok());
      }
    }
    ExpectSameState();
  }
}

TEST_F(CachedStoreTest, AFailedBatchWriteLeavesNoCachedVersionBehind) {
  PutOne(*cached_, "k", "durable");
  cached_->BeginBatch();
  PutOne(*cached_, "k", "lost");  // Cached as k's newest version...
  cached_engine_.FailWritesWith(Status::IOError("disk full"));
  EXPECT_FALSE(cached_->CommitBatch(/*sync=*/false).ok());  // ...but never written.
  cached_engine_.FailWritesWith(Status::Ok());

  std::optional<KeyValue> prev = PutOne(*cached_, "k", "next");
  ASSERT_TRUE(prev.has_value());
  EXPECT_EQ(prev->value, "durable");
  EXPECT_EQ(prev->version, 1);
}

TEST_F(CachedStoreTest, AFailedCommitLeavesNoCachedVersionBehind) {
  PutOne(*cached_, "k", "durable");
  cached_engine_.FailWritesWith(Status::IOError("disk full"));
  {
    auto txn = cached_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Put("k", "lost").ok());
    EXPECT_FALSE((*txn)->Commit(/*sync=*/false).ok());
  }
  cached_engine_.FailWritesWith(Status::Ok());
  std::optional<KeyValue> prev = PutOne(*cached_, "k", "next");
  ASSERT_TRUE(prev.has_value());
  EXPECT_EQ(prev->value, "durable");
}

TEST_F(CachedStoreTest, AnInstalledStateReplacesWhatTheCacheKnew) {
  // The source state: "k" at its third version, "gone" deleted.
  storage::MemoryEngine source_engine;
  auto source = OpenStore(&source_engine);
  PutOne(*source, "k", "s1");
  PutOne(*source, "k", "s2");
  PutOne(*source, "k", "s3");
  PutOne(*source, "gone", "x");
  DeleteOne(*source, "gone");
  auto data = source->ExportState();
  ASSERT_TRUE(data.ok());

  // The cache knows other versions of both keys before the import.
  PutOne(*cached_, "k", "local");
  PutOne(*cached_, "gone", "local");
  ASSERT_TRUE(cached_->ImportState(*data, storage::WriteBatch()).ok());

  std::optional<KeyValue> prev = PutOne(*cached_, "k", "after");
  ASSERT_TRUE(prev.has_value());
  EXPECT_EQ(prev->value, "s3");
  EXPECT_EQ(prev->version, 3);
  EXPECT_EQ(PutOne(*cached_, "gone", "after"), std::nullopt);
}

}  // namespace
}  // namespace strata::kv

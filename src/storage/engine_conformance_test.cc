// One behavioural suite run against every Engine implementation, so that
// MemoryEngine stays a faithful stand-in for RocksEngine in tests.
#include <atomic>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "storage/engine.h"
#include "storage/memory_engine.h"
#include "storage/rocks_engine.h"
#include "storage/test_temp_dir.h"

namespace strata::storage {
namespace {

struct MemoryEngineMaker {
  std::unique_ptr<Engine> Make() { return std::make_unique<MemoryEngine>(); }
};

struct RocksEngineMaker {
  TestTempDir dir;
  std::unique_ptr<Engine> Make() {
    auto engine = RocksEngine::Open(dir.Sub("db"));
    STRATA_ASSERT_MSG(engine.ok(), engine.status().ToString());
    return std::move(engine).value();
  }
};

template <typename Maker>
class EngineConformanceTest : public ::testing::Test {
 protected:
  void SetUp() override { engine_ = maker_.Make(); }

  void Put(ColumnFamily cf, std::string_view key, std::string_view value) {
    WriteBatch batch;
    batch.Put(cf, key, value);
    ASSERT_TRUE(engine_->Write(batch, /*sync=*/false).ok());
  }

  std::optional<std::string> Get(const Reader& reader, ColumnFamily cf, std::string_view key) {
    auto value = reader.Get(cf, key);
    STRATA_ASSERT_MSG(value.ok(), value.status().ToString());
    return *value;
  }
  std::optional<std::string> Get(ColumnFamily cf, std::string_view key) {
    return Get(*engine_, cf, key);
  }

  std::unique_ptr<Iterator> NewIterator(const Reader& reader, ColumnFamily cf,
                                        std::string lower = "", std::string upper = "") {
    auto it = reader.NewIterator(cf, IteratorOptions{std::move(lower), std::move(upper)});
    STRATA_ASSERT_MSG(it.ok(), it.status().ToString());
    return std::move(it).value();
  }

  // All keys of cf in [lower, upper), walking forward.
  std::vector<std::string> ScanForward(const Reader& reader, ColumnFamily cf,
                                       std::string lower = "", std::string upper = "") {
    auto it = NewIterator(reader, cf, std::move(lower), std::move(upper));
    std::vector<std::string> keys;
    for (it->SeekToFirst(); it->Valid(); it->Next()) keys.emplace_back(it->key());
    EXPECT_TRUE(it->status().ok());
    return keys;
  }
  // All keys of cf in [lower, upper), walking backward.
  std::vector<std::string> ScanBackward(const Reader& reader, ColumnFamily cf,
                                        std::string lower = "", std::string upper = "") {
    auto it = NewIterator(reader, cf, std::move(lower), std::move(upper));
    std::vector<std::string> keys;
    for (it->SeekToLast(); it->Valid(); it->Prev()) keys.emplace_back(it->key());
    EXPECT_TRUE(it->status().ok());
    return keys;
  }

  Maker maker_;
  std::unique_ptr<Engine> engine_;
};

using Makers = ::testing::Types<MemoryEngineMaker, RocksEngineMaker>;
class MakerNames {
 public:
  template <typename T>
  static std::string GetName(int) {
    return std::is_same_v<T, MemoryEngineMaker> ? "Memory" : "Rocks";
  }
};
TYPED_TEST_SUITE(EngineConformanceTest, Makers, MakerNames);

constexpr ColumnFamily kCf = ColumnFamily::kMvcc;

TYPED_TEST(EngineConformanceTest, PutGetDelete) {
  EXPECT_EQ(this->Get(kCf, "k"), std::nullopt);
  this->Put(kCf, "k", "v1");
  EXPECT_EQ(this->Get(kCf, "k"), "v1");
  this->Put(kCf, "k", "v2");
  EXPECT_EQ(this->Get(kCf, "k"), "v2");

  WriteBatch del;
  del.Delete(kCf, "k");
  del.Delete(kCf, "never-existed");  // Not an error.
  ASSERT_TRUE(this->engine_->Write(del, true).ok());
  EXPECT_EQ(this->Get(kCf, "k"), std::nullopt);
}

TYPED_TEST(EngineConformanceTest, EmptyValueIsPresent) {
  this->Put(kCf, "k", "");
  EXPECT_EQ(this->Get(kCf, "k"), "");
}

TYPED_TEST(EngineConformanceTest, ColumnFamiliesAreSeparateKeySpaces) {
  for (ColumnFamily cf : kAllColumnFamilies) {
    this->Put(cf, "same-key", std::string(ColumnFamilyName(cf)));
  }
  for (ColumnFamily cf : kAllColumnFamilies) {
    EXPECT_EQ(this->Get(cf, "same-key"), std::string(ColumnFamilyName(cf)));
    EXPECT_EQ(this->ScanForward(*this->engine_, cf), std::vector<std::string>{"same-key"});
  }
}

TYPED_TEST(EngineConformanceTest, DeleteRangeRemovesHalfOpenInterval) {
  for (const char* key : {"a", "b", "bb", "c", "d"}) this->Put(kCf, key, "x");
  this->Put(ColumnFamily::kMeta, "b", "other cf");
  WriteBatch batch;
  batch.DeleteRange(kCf, "b", "d");
  batch.DeleteRange(kCf, "d", "a");  // end < start: removes nothing.
  batch.DeleteRange(kCf, "a", "a");  // Empty.
  ASSERT_TRUE(this->engine_->Write(batch, true).ok());
  EXPECT_EQ(this->ScanForward(*this->engine_, kCf), (std::vector<std::string>{"a", "d"}));
  EXPECT_EQ(this->Get(ColumnFamily::kMeta, "b"), "other cf");
}

TYPED_TEST(EngineConformanceTest, BatchAppliesInOrder) {
  WriteBatch batch;
  batch.Put(kCf, "k", "1");
  batch.Delete(kCf, "k");
  batch.Put(kCf, "k", "2");
  batch.Put(kCf, "gone", "x");
  batch.DeleteRange(kCf, "g", "h");
  batch.Put(kCf, "after-range", "y");
  EXPECT_EQ(batch.count(), 6u);
  ASSERT_TRUE(this->engine_->Write(batch, false).ok());
  EXPECT_EQ(this->Get(kCf, "k"), "2");
  EXPECT_EQ(this->Get(kCf, "gone"), std::nullopt);
  EXPECT_EQ(this->Get(kCf, "after-range"), "y");
}

// A reader never observes half of a batch: every batch sets both keys to the
// same value, and every consistent read must see them equal.
TYPED_TEST(EngineConformanceTest, BatchIsAtomicForConcurrentReaders) {
  constexpr int kWrites = 2000;
  this->Put(kCf, "a", "0");
  this->Put(kCf, "b", "0");
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int i = 1; i <= kWrites; ++i) {
      WriteBatch batch;
      batch.Put(kCf, "a", std::to_string(i));
      batch.Put(kCf, "b", std::to_string(i));
      STRATA_ASSERT(this->engine_->Write(batch, false).ok());
    }
    done = true;
  });
  int checks = 0;
  while (!done || checks < 10) {
    auto view = this->engine_->NewReadView();
    STRATA_ASSERT(view.ok());
    EXPECT_EQ(this->Get(**view, kCf, "a"), this->Get(**view, kCf, "b"));
    // An iterator reads a consistent state too.
    auto it = this->NewIterator(*this->engine_, kCf);
    it->SeekToFirst();
    STRATA_ASSERT(it->Valid());
    std::string a(it->value());
    it->Next();
    STRATA_ASSERT(it->Valid());
    EXPECT_EQ(a, it->value());
    ++checks;
  }
  writer.join();
  EXPECT_EQ(this->Get(kCf, "a"), std::to_string(kWrites));
}

TYPED_TEST(EngineConformanceTest, IterationRespectsBoundsInBothDirections) {
  for (const char* key : {"a", "b", "c", "d", "e"}) this->Put(kCf, key, std::string("v") + key);
  auto& engine = *this->engine_;
  EXPECT_EQ(this->ScanForward(engine, kCf, "b", "e"), (std::vector<std::string>{"b", "c", "d"}));
  EXPECT_EQ(this->ScanBackward(engine, kCf, "b", "e"), (std::vector<std::string>{"d", "c", "b"}));
  EXPECT_EQ(this->ScanForward(engine, kCf, "bb", ""), (std::vector<std::string>{"c", "d", "e"}));
  EXPECT_EQ(this->ScanBackward(engine, kCf), (std::vector<std::string>{"e", "d", "c", "b", "a"}));
  EXPECT_TRUE(this->ScanForward(engine, kCf, "x", "").empty());
  EXPECT_TRUE(this->ScanBackward(engine, kCf, "c", "c").empty());

  auto it = this->NewIterator(engine, kCf, "b", "e");
  it->Seek("bb");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "c");
  EXPECT_EQ(it->value(), "vc");
  it->Seek("a");  // Below the lower bound: clamped to it.
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "b");
  it->Seek("e");  // At the exclusive upper bound.
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev("cc");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "c");
  it->SeekForPrev("c");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "c");
  it->SeekForPrev("z");  // Above the upper bound: the last key in bounds.
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "d");
  it->SeekForPrev("a");
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TYPED_TEST(EngineConformanceTest, KeysOrderAsUnsignedBytes) {
  const std::vector<std::string> sorted = {std::string("\x00", 1),
                                           std::string("\x00\x00", 2),
                                           "a",
                                           std::string("a\x00", 2),
                                           "a\x7f",
                                           "a\x80",
                                           "a\xff",
                                           "b",
                                           "\xff"};
  for (auto it = sorted.rbegin(); it != sorted.rend(); ++it) this->Put(kCf, *it, "x");
  EXPECT_EQ(this->ScanForward(*this->engine_, kCf), sorted);
}

TYPED_TEST(EngineConformanceTest, IteratorSeesStateAtItsCreation) {
  this->Put(kCf, "a", "old");
  auto it = this->NewIterator(*this->engine_, kCf);
  this->Put(kCf, "a", "new");
  this->Put(kCf, "b", "added");
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->value(), "old");
  it->Next();
  EXPECT_FALSE(it->Valid());
}

TYPED_TEST(EngineConformanceTest, ReadViewIsIsolatedFromLaterWrites) {
  this->Put(kCf, "a", "1");
  this->Put(kCf, "b", "1");
  this->Put(kCf, "c", "1");
  this->Put(ColumnFamily::kMeta, "m", "1");
  auto view_or = this->engine_->NewReadView();
  ASSERT_TRUE(view_or.ok());
  const ReadView& view = **view_or;

  WriteBatch batch;
  batch.Put(kCf, "a", "2");
  batch.Delete(kCf, "b");
  batch.DeleteRange(kCf, "c", "d");
  batch.Put(kCf, "new", "2");
  batch.Put(ColumnFamily::kMeta, "m", "2");
  ASSERT_TRUE(this->engine_->Write(batch, true).ok());

  EXPECT_EQ(this->Get(view, kCf, "a"), "1");
  EXPECT_EQ(this->Get(view, kCf, "b"), "1");
  EXPECT_EQ(this->Get(view, kCf, "new"), std::nullopt);
  EXPECT_EQ(this->Get(view, ColumnFamily::kMeta, "m"), "1");
  EXPECT_EQ(this->ScanForward(view, kCf), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(this->ScanBackward(view, kCf), (std::vector<std::string>{"c", "b", "a"}));

  EXPECT_EQ(this->Get(kCf, "a"), "2");
  EXPECT_EQ(this->ScanForward(*this->engine_, kCf), (std::vector<std::string>{"a", "new"}));
}

// Random operations checked against std::map, forward and backward.
TYPED_TEST(EngineConformanceTest, MatchesOrderedMapModel) {
  std::mt19937 rng(42);
  std::map<std::string, std::string> model;
  auto random_key = [&] {
    std::string key(1 + rng() % 3, 'a');
    for (char& c : key) c = static_cast<char>("ab\x00\xff"[rng() % 4]);
    return key;
  };
  for (int round = 0; round < 200; ++round) {
    WriteBatch batch;
    for (int op = 0; op < 5; ++op) {
      std::string key = random_key();
      switch (rng() % 4) {
        case 0:
        case 1: {
          std::string value = std::to_string(rng());
          batch.Put(kCf, key, value);
          model[key] = value;
          break;
        }
        case 2:
          batch.Delete(kCf, key);
          model.erase(key);
          break;
        case 3: {
          std::string end = random_key();
          batch.DeleteRange(kCf, key, end);
          if (key < end) model.erase(model.lower_bound(key), model.lower_bound(end));
          break;
        }
      }
    }
    ASSERT_TRUE(this->engine_->Write(batch, round % 7 == 0).ok());
  }
  std::vector<std::string> want;
  for (const auto& [key, value] : model) {
    want.push_back(key);
    EXPECT_EQ(this->Get(kCf, key), value);
  }
  EXPECT_EQ(this->ScanForward(*this->engine_, kCf), want);
  std::vector<std::string> reversed(want.rbegin(), want.rend());
  EXPECT_EQ(this->ScanBackward(*this->engine_, kCf), reversed);
}

TYPED_TEST(EngineConformanceTest, ApproximateSizeGrowsWithData) {
  auto before = this->engine_->ApproximateSize();
  ASSERT_TRUE(before.ok());
  for (int i = 0; i < 100; ++i) this->Put(kCf, "key" + std::to_string(i), std::string(1000, 'v'));
  auto after = this->engine_->ApproximateSize();
  ASSERT_TRUE(after.ok());
  EXPECT_GE(*after, *before + 100 * 1000);
}

TYPED_TEST(EngineConformanceTest, CompactAllKeepsLiveData) {
  for (int i = 0; i < 100; ++i) this->Put(kCf, "key" + std::to_string(i), "v");
  WriteBatch batch;
  batch.DeleteRange(kCf, "key1", "key5");
  ASSERT_TRUE(this->engine_->Write(batch, false).ok());
  ASSERT_TRUE(this->engine_->CompactAll().ok());
  EXPECT_EQ(this->Get(kCf, "key0"), "v");
  EXPECT_EQ(this->Get(kCf, "key2"), std::nullopt);
  EXPECT_EQ(this->Get(kCf, "key99"), "v");
}

TYPED_TEST(EngineConformanceTest, CallsAfterCloseFail) {
  this->Put(kCf, "k", "v");
  ASSERT_TRUE(this->engine_->Close().ok());
  EXPECT_TRUE(this->engine_->Close().ok());  // Idempotent.
  EXPECT_EQ(this->engine_->Get(kCf, "k").status().code(), StatusCode::kFailedPrecondition);
  WriteBatch batch;
  batch.Put(kCf, "k", "v2");
  EXPECT_EQ(this->engine_->Write(batch, true).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(this->engine_->NewReadView().status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace strata::storage

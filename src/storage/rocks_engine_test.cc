// RocksEngine behaviour that MemoryEngine cannot share: files on disk.
#include "storage/rocks_engine.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "storage/keys.h"
#include "storage/test_temp_dir.h"

namespace strata::storage {
namespace {

std::unique_ptr<Engine> OpenOrDie(const std::string& path) {
  auto engine = RocksEngine::Open(path);
  STRATA_ASSERT_MSG(engine.ok(), engine.status().ToString());
  return std::move(engine).value();
}

std::optional<std::string> GetOrDie(const Engine& engine, ColumnFamily cf, std::string_view key) {
  auto value = engine.Get(cf, key);
  STRATA_ASSERT_MSG(value.ok(), value.status().ToString());
  return *value;
}

TEST(RocksEngineTest, ReopenKeepsSyncedDataInEveryColumnFamily) {
  TestTempDir dir;
  {
    auto engine = OpenOrDie(dir.Sub("db"));
    WriteBatch batch;
    for (ColumnFamily cf : kAllColumnFamilies) batch.Put(cf, "k", ColumnFamilyName(cf));
    batch.Put(ColumnFamily::kRaftLog, RaftLogKey(1, 5), "entry");
    ASSERT_TRUE(engine->Write(batch, /*sync=*/true).ok());
  }
  auto engine = OpenOrDie(dir.Sub("db"));
  for (ColumnFamily cf : kAllColumnFamilies) {
    EXPECT_EQ(GetOrDie(*engine, cf, "k"), std::string(ColumnFamilyName(cf)));
  }
  EXPECT_EQ(GetOrDie(*engine, ColumnFamily::kRaftLog, RaftLogKey(1, 5)), "entry");
}

TEST(RocksEngineTest, SecondOpenOfSameDirectoryFailsWithIOError) {
  TestTempDir dir;
  auto engine = OpenOrDie(dir.Sub("db"));
  auto second = RocksEngine::Open(dir.Sub("db"));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kIOError);
  EXPECT_NE(second.status().message().find("rocksdb"), std::string::npos);
}

TEST(RocksEngineTest, OpenWithoutCreateFailsOnEmptyDirectory) {
  TestTempDir dir;
  RocksEngineOptions options;
  options.create_if_missing = false;
  auto engine = RocksEngine::Open(dir.Sub("absent"), options);
  EXPECT_EQ(engine.status().code(), StatusCode::kInvalidArgument);
}

TEST(RocksEngineTest, OpenRejectsInvalidOptions) {
  TestTempDir dir;
  RocksEngineOptions options;
  options.background_jobs = 0;
  EXPECT_EQ(RocksEngine::Open(dir.Sub("db"), options).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("db")));
}

TEST(RocksEngineTest, CheckpointIsAnOpenableCopyAtThatPoint) {
  TestTempDir dir;
  auto engine = OpenOrDie(dir.Sub("db"));
  WriteBatch before;
  before.Put(ColumnFamily::kMvcc, "k", "before");
  before.Put(ColumnFamily::kMeta, "applied", "7");
  ASSERT_TRUE(engine->Write(before, false).ok());
  ASSERT_TRUE(engine->Checkpoint(dir.Sub("checkpoint")).ok());
  WriteBatch after;
  after.Put(ColumnFamily::kMvcc, "k", "after");
  ASSERT_TRUE(engine->Write(after, false).ok());

  // A checkpoint into an existing directory is refused.
  EXPECT_EQ(engine->Checkpoint(dir.Sub("checkpoint")).code(), StatusCode::kInvalidArgument);

  auto copy = OpenOrDie(dir.Sub("checkpoint"));
  EXPECT_EQ(GetOrDie(*copy, ColumnFamily::kMvcc, "k"), "before");
  EXPECT_EQ(GetOrDie(*copy, ColumnFamily::kMeta, "applied"), "7");
  EXPECT_EQ(GetOrDie(*engine, ColumnFamily::kMvcc, "k"), "after");
}

TEST(RocksEngineTest, CompactAllReclaimsDeletedData) {
  TestTempDir dir;
  auto engine = OpenOrDie(dir.Sub("db"));
  for (int i = 0; i < 200; ++i) {
    WriteBatch batch;
    batch.Put(ColumnFamily::kRaftLog, RaftLogKey(1, i), std::string(4096, 'x'));
    ASSERT_TRUE(engine->Write(batch, false).ok());
  }
  ASSERT_TRUE(engine->CompactAll().ok());
  uint64_t full = *engine->ApproximateSize();
  WriteBatch truncate;
  truncate.DeleteRange(ColumnFamily::kRaftLog, RaftLogRangeStart(1), RaftLogRangeEnd(1));
  ASSERT_TRUE(engine->Write(truncate, true).ok());
  ASSERT_TRUE(engine->CompactAll().ok());
  uint64_t compacted = *engine->ApproximateSize();
  EXPECT_LT(compacted, full / 2) << "full=" << full << " compacted=" << compacted;
}

}  // namespace
}  // namespace strata::storage

// MemoryEngine's fault hooks; its Engine behaviour is covered by the
// conformance suite.
#include "storage/memory_engine.h"

#include <gtest/gtest.h>

namespace strata::storage {
namespace {

constexpr ColumnFamily kCf = ColumnFamily::kRaftLog;

class MemoryEngineTest : public ::testing::Test {
 protected:
  void Write(bool sync, std::string_view key, std::string_view value) {
    WriteBatch batch;
    batch.Put(kCf, key, value);
    ASSERT_TRUE(engine_.Write(batch, sync).ok());
  }
  std::optional<std::string> Get(std::string_view key) {
    auto value = engine_.Get(kCf, key);
    STRATA_ASSERT(value.ok());
    return *value;
  }

  MemoryEngine engine_;
};

TEST_F(MemoryEngineTest, DropUnsyncedRevertsWritesSinceLastSync) {
  Write(false, "early", "1");
  Write(true, "synced", "1");  // Also makes "early" durable.
  Write(false, "synced", "2");
  Write(false, "late", "1");
  WriteBatch range;
  range.DeleteRange(kCf, "a", "z");
  ASSERT_TRUE(engine_.Write(range, false).ok());
  EXPECT_EQ(engine_.unsynced_write_count(), 3u);
  EXPECT_EQ(Get("early"), std::nullopt);

  engine_.DropUnsynced();
  EXPECT_EQ(Get("early"), "1");
  EXPECT_EQ(Get("synced"), "1");
  EXPECT_EQ(Get("late"), std::nullopt);
  EXPECT_EQ(engine_.unsynced_write_count(), 0u);
}

TEST_F(MemoryEngineTest, DropUnsyncedCanKeepAPrefix) {
  Write(false, "k", "1");
  Write(false, "k", "2");
  Write(false, "k", "3");
  engine_.DropUnsynced(/*keep_oldest=*/2);
  EXPECT_EQ(Get("k"), "2");
  // The survivors are durable now: a second power loss keeps them.
  engine_.DropUnsynced();
  EXPECT_EQ(Get("k"), "2");
}

TEST_F(MemoryEngineTest, DropUnsyncedLeavesOpenViewsAlone) {
  Write(true, "k", "1");
  Write(false, "k", "2");
  auto view = engine_.NewReadView();
  ASSERT_TRUE(view.ok());
  engine_.DropUnsynced();
  EXPECT_EQ(Get("k"), "1");
  EXPECT_EQ(*(*view)->Get(kCf, "k"), "2");
}

TEST_F(MemoryEngineTest, FailWritesWithRejectsWritesAndChangesNothing) {
  Write(true, "k", "1");
  engine_.FailWritesWith(Status::ResourceExhausted("disk full"));
  WriteBatch batch;
  batch.Put(kCf, "k", "2");
  Status s = engine_.Write(batch, true);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(Get("k"), "1");
  engine_.FailWritesWith(Status::Ok());
  EXPECT_TRUE(engine_.Write(batch, true).ok());
  EXPECT_EQ(Get("k"), "2");
}

TEST_F(MemoryEngineTest, CheckpointIsRefusedClearly) {
  Status s = engine_.Checkpoint("/tmp/never-created");
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("MemoryEngine"), std::string::npos);
}

}  // namespace
}  // namespace strata::storage

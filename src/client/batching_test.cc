#include "client/batching.h"

#include <gtest/gtest.h>

#include <set>

namespace strata::client::internal {
namespace {

TEST(BatchingTest, SplitsAtMaxOps) {
  std::vector<std::string> keys;
  for (int i = 0; i < 300; ++i) keys.push_back("k" + std::to_string(i));
  auto batches = PlanBatches(keys, 128);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].size(), 128u);
  EXPECT_EQ(batches[1].size(), 128u);
  EXPECT_EQ(batches[2].size(), 44u);
  size_t next = 0;
  for (const auto& b : batches) {
    for (size_t i : b) EXPECT_EQ(i, next++) << "order must be kept";
  }
}

TEST(BatchingTest, RepeatedKeyStartsANewBatchSoTheLastEntryWins) {
  std::vector<std::string> keys = {"a", "b", "a", "c", "a"};
  auto batches = PlanBatches(keys, 128);
  ASSERT_EQ(batches.size(), 3u);
  for (const auto& b : batches) {
    std::set<std::string> in;
    for (size_t i : b) EXPECT_TRUE(in.insert(keys[i]).second) << "a key twice in one Txn";
  }
  EXPECT_EQ(batches.back().back(), 4u);
}

TEST(BatchingTest, FirstDuplicate) {
  EXPECT_EQ(FirstDuplicate({"a", "b"}), nullptr);
  std::vector<std::string> keys = {"a", "b", "b"};
  ASSERT_NE(FirstDuplicate(keys), nullptr);
  EXPECT_EQ(*FirstDuplicate(keys), "b");
  EXPECT_TRUE(PlanBatches({}, 5).empty());
}

}  // namespace
}  // namespace strata::client::internal

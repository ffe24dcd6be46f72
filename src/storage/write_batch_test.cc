#include "storage/write_batch.h"

#include <gtest/gtest.h>

namespace strata::storage {
namespace {

TEST(WriteBatchTest, CountsOpsAndPayloadBytes) {
  WriteBatch batch;
  EXPECT_TRUE(batch.empty());
  batch.Put(ColumnFamily::kMvcc, "key", "value");        // 3 + 5
  batch.Delete(ColumnFamily::kMeta, "gone");             // 4
  batch.DeleteRange(ColumnFamily::kRaftLog, "a", "zz");  // 1 + 2
  EXPECT_EQ(batch.count(), 3u);
  EXPECT_EQ(batch.byte_size(), 15u);
  ASSERT_EQ(batch.ops().size(), 3u);
  EXPECT_EQ(batch.ops()[0].type, WriteBatch::OpType::kPut);
  EXPECT_EQ(batch.ops()[1].cf, ColumnFamily::kMeta);
  EXPECT_EQ(batch.ops()[2].value, "zz");
}

TEST(WriteBatchTest, AppendKeepsOrderAndSizes) {
  WriteBatch a;
  a.Put(ColumnFamily::kMvcc, "k", "1");
  WriteBatch b;
  b.Put(ColumnFamily::kMvcc, "k", "2");
  b.Delete(ColumnFamily::kMvcc, "x");
  a.Append(b);
  EXPECT_EQ(a.count(), 3u);
  EXPECT_EQ(a.byte_size(), 5u);
  EXPECT_EQ(a.ops()[1].value, "2");
  a.Clear();
  EXPECT_TRUE(a.empty());
  EXPECT_EQ(a.byte_size(), 0u);
}

TEST(WriteBatchTest, EncodeDecodeRoundTrips) {
  WriteBatch batch;
  batch.Put(ColumnFamily::kMeta, "k", std::string("v\0w", 3));
  batch.Delete(ColumnFamily::kRaftLog, "");
  batch.DeleteRange(ColumnFamily::kMvcc, "a", std::string(300, 'z'));
  auto decoded = WriteBatch::Decode(batch.Encode());
  ASSERT_TRUE(decoded.ok());
  ASSERT_EQ(decoded->count(), batch.count());
  EXPECT_EQ(decoded->byte_size(), batch.byte_size());
  for (size_t i = 0; i < batch.count(); ++i) {
    EXPECT_EQ(decoded->ops()[i].type, batch.ops()[i].type);
    EXPECT_EQ(decoded->ops()[i].cf, batch.ops()[i].cf);
    EXPECT_EQ(decoded->ops()[i].key, batch.ops()[i].key);
    EXPECT_EQ(decoded->ops()[i].value, batch.ops()[i].value);
  }
  EXPECT_TRUE(WriteBatch::Decode("").ok());
  std::string encoded = batch.Encode();
  EXPECT_FALSE(WriteBatch::Decode(encoded.substr(0, encoded.size() - 1)).ok());
  EXPECT_FALSE(WriteBatch::Decode(std::string("\x07\x00\x00\x00", 4)).ok());
}

}  // namespace
}  // namespace strata::storage

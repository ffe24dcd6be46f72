#include "kv/record.h"

#include <gtest/gtest.h>

namespace strata::kv {
namespace {

TEST(RecordTest, PutRoundTrips) {
  const int64_t big = int64_t{1} << 62;
  for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{127}, int64_t{128}, big}) {
    std::string encoded = EncodePut(n, n + 1, -n, "value");
    auto record = DecodeRecord(encoded);
    ASSERT_TRUE(record.ok()) << record.status().ToString();
    EXPECT_FALSE(record->tombstone);
    EXPECT_EQ(record->create_revision, n);
    EXPECT_EQ(record->version, n + 1);
    EXPECT_EQ(record->lease, -n);
    EXPECT_EQ(record->value, "value");
  }
  // The record views into the encoded bytes, which must outlive it.
  const std::string zero_encoded = EncodePut(2, 1, 0, std::string("a\0b", 3));
  auto with_zero = DecodeRecord(zero_encoded);
  ASSERT_TRUE(with_zero.ok());
  EXPECT_EQ(with_zero->value, std::string_view("a\0b", 3));
  const std::string empty_encoded = EncodePut(2, 1, 0, "");
  auto empty_value = DecodeRecord(empty_encoded);
  ASSERT_TRUE(empty_value.ok());
  EXPECT_EQ(empty_value->value, "");
}

TEST(RecordTest, TombstoneRoundTrips) {
  auto record = DecodeRecord(EncodeTombstone());
  ASSERT_TRUE(record.ok());
  EXPECT_TRUE(record->tombstone);
}

TEST(RecordTest, MalformedInputIsCorruption) {
  std::string put = EncodePut(300, 300, 300, "");
  for (std::string bad : {std::string(), std::string("\x07"), EncodeTombstone() + "x",
                          put.substr(0, put.size() - 1), std::string("\x01\xff\xff")}) {
    EXPECT_EQ(DecodeRecord(bad).status().code(), StatusCode::kCorruption) << bad.size();
  }
}

}  // namespace
}  // namespace strata::kv

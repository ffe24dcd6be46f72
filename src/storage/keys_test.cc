#include "storage/keys.h"

#include <limits>
#include <random>
#include <set>
#include <vector>

#include <gtest/gtest.h>

namespace strata::storage {
namespace {

// Edge values plus random ones spread over every magnitude.
std::vector<uint64_t> SampleValues() {
  std::vector<uint64_t> values = {0,
                                  1,
                                  2,
                                  255,
                                  256,
                                  65535,
                                  65536,
                                  (1ull << 32) - 1,
                                  1ull << 32,
                                  std::numeric_limits<uint64_t>::max() - 1,
                                  std::numeric_limits<uint64_t>::max()};
  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) values.push_back(rng() >> (rng() % 64));
  return values;
}

TEST(KeysTest, Fixed64RoundTrips) {
  for (uint64_t v : SampleValues()) {
    std::string encoded = EncodeFixed64BigEndian(v);
    ASSERT_EQ(encoded.size(), 8u);
    EXPECT_EQ(DecodeFixed64BigEndian(encoded), v);
  }
  EXPECT_EQ(EncodeFixed64BigEndian(0x0102030405060708ull), "\x01\x02\x03\x04\x05\x06\x07\x08");
}

TEST(KeysTest, Fixed64ByteOrderIsNumericOrder) {
  std::vector<uint64_t> values = SampleValues();
  for (size_t i = 0; i + 1 < values.size(); ++i) {
    for (size_t j : {i + 1, (i * 7919) % values.size()}) {
      uint64_t a = values[i], b = values[j];
      EXPECT_EQ(EncodeFixed64BigEndian(a) < EncodeFixed64BigEndian(b), a < b) << a << " " << b;
      EXPECT_EQ(EncodeFixed64BigEndian(a) == EncodeFixed64BigEndian(b), a == b);
    }
  }
}

TEST(KeysTest, RaftLogKeysOrderByRangeThenIndex) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 5000; ++i) {
    RaftLogKeyParts a{rng() % 4, rng() >> (rng() % 64)};
    RaftLogKeyParts b{rng() % 4, rng() >> (rng() % 64)};
    bool less = a.range_id < b.range_id || (a.range_id == b.range_id && a.index < b.index);
    EXPECT_EQ(RaftLogKey(a.range_id, a.index) < RaftLogKey(b.range_id, b.index), less);
  }
}

TEST(KeysTest, RaftLogKeyRoundTripsAndRejectsBadLength) {
  for (uint64_t v : SampleValues()) {
    auto parts = DecodeRaftLogKey(RaftLogKey(v, ~v));
    ASSERT_TRUE(parts.ok());
    EXPECT_EQ(*parts, (RaftLogKeyParts{v, ~v}));
  }
  EXPECT_EQ(DecodeRaftLogKey("short").status().code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeRaftLogKey(RaftLogKey(1, 2) + "x").status().code(), StatusCode::kCorruption);
}

TEST(KeysTest, RaftLogRangeBoundsHoldExactlyThatRange) {
  const uint64_t kMax = std::numeric_limits<uint64_t>::max();
  for (uint64_t range : {uint64_t{0}, uint64_t{1}, uint64_t{7}, kMax - 1, kMax}) {
    std::string start = RaftLogRangeStart(range);
    std::string end = RaftLogRangeEnd(range);
    auto inside = [&](const std::string& key) {
      return key >= start && (end.empty() || key < end);
    };
    EXPECT_TRUE(inside(RaftLogKey(range, 0)));
    EXPECT_TRUE(inside(RaftLogKey(range, kMax)));
    if (range > 0) {
      EXPECT_FALSE(inside(RaftLogKey(range - 1, kMax)));
    }
    if (range < kMax) {
      EXPECT_FALSE(inside(RaftLogKey(range + 1, 0)));
    }
  }
  EXPECT_EQ(RaftLogRangeEnd(kMax), "");
}

TEST(KeysTest, HardStateKeyRoundTrips) {
  for (uint64_t v : SampleValues()) {
    auto decoded = DecodeHardStateKey(HardStateKey(v));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, v);
  }
  EXPECT_EQ(DecodeHardStateKey("1234567").status().code(), StatusCode::kCorruption);
}

TEST(KeysTest, MetaKeysNeverCollide) {
  std::set<std::string> keys;
  for (uint64_t range : {uint64_t{0}, uint64_t{1}, uint64_t{2}}) {
    EXPECT_TRUE(keys.insert(AppliedIndexKey(range)).second);
    EXPECT_TRUE(keys.insert(RangeDescriptorKey(range)).second);
    EXPECT_TRUE(keys.insert(MembershipKey(range)).second);
  }
  EXPECT_TRUE(keys.insert(KvMetaKey("current_revision")).second);
  EXPECT_TRUE(keys.insert(KvMetaKey("compacted_revision")).second);
  EXPECT_EQ(AppliedIndexKey(1), "applied/" + EncodeFixed64BigEndian(1));
}

}  // namespace
}  // namespace strata::storage

// Property tests of the multi-level key encoding: random byte strings rich
// in 00, 01 and FF, checked for round trip, order and contiguity.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "strata/multi_level_key.h"

namespace strata::client {
namespace {

// Short strings over a small alphabet that stresses the escape bytes.
std::string RandomBytes(std::mt19937_64& rng) {
  static constexpr char kAlphabet[] = {'\x00', '\x01', '\x02', '\xFE', '\xFF', 'a'};
  std::uniform_int_distribution<int> len(0, 5);
  std::uniform_int_distribution<size_t> pick(0, sizeof(kAlphabet) - 1);
  std::string s;
  for (int i = len(rng); i > 0; --i) s.push_back(kAlphabet[pick(rng)]);
  return s;
}

MultiLevelKey RandomKey(std::mt19937_64& rng) { return {RandomBytes(rng), RandomBytes(rng)}; }

// Compares as unsigned bytes, the order of etcd keys.
int CompareBytes(const std::string& a, const std::string& b) { return a.compare(b); }

int CompareKeys(const MultiLevelKey& a, const MultiLevelKey& b) {
  if (int c = CompareBytes(a.primary, b.primary); c != 0) return c;
  return CompareBytes(a.secondary, b.secondary);
}

int Sign(int v) { return (v > 0) - (v < 0); }

TEST(MultiLevelKeyTest, KnownEncodings) {
  EXPECT_EQ(EncodeMultiLevelKey({"", ""}), std::string("\x00\x01", 2));
  EXPECT_EQ(EncodeMultiLevelKey({"a", "b"}), std::string("a\x00\x01"
                                                         "b",
                                                         4));
  EXPECT_EQ(EncodeMultiLevelKey({std::string("\x00", 1), std::string("\x00", 1)}),
            std::string("\x00\xFF\x00\x01\x00", 5));
  KeyRange r = PrimaryRange("a");
  EXPECT_EQ(r.start, std::string("a\x00\x01", 3));
  EXPECT_EQ(r.end, std::string("a\x00\x02", 3));
}

TEST(MultiLevelKeyTest, RejectsWhatIsNoEncoding) {
  EXPECT_FALSE(DecodeMultiLevelKey("plain"));
  EXPECT_FALSE(DecodeMultiLevelKey(std::string("a\x00", 2)));
  EXPECT_FALSE(DecodeMultiLevelKey(std::string("a\x00\x02", 3)));
}

TEST(MultiLevelKeyTest, RoundTrips) {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 20000; ++i) {
    MultiLevelKey k = RandomKey(rng);
    auto decoded = DecodeMultiLevelKey(EncodeMultiLevelKey(k));
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, k);
  }
}

TEST(MultiLevelKeyTest, ByteOrderIsPrimaryThenSecondaryOrder) {
  std::mt19937_64 rng(2);
  for (int i = 0; i < 50000; ++i) {
    MultiLevelKey a = RandomKey(rng), b = RandomKey(rng);
    if (i % 3 == 0) b.primary = a.primary;  // Many pairs that differ in the secondary only.
    int want = Sign(CompareKeys(a, b));
    int got = Sign(CompareBytes(EncodeMultiLevelKey(a), EncodeMultiLevelKey(b)));
    ASSERT_EQ(got, want) << "primary/secondary order broken";
  }
}

TEST(MultiLevelKeyTest, EachPrimaryIsOneContiguousRange) {
  std::mt19937_64 rng(3);
  for (int round = 0; round < 200; ++round) {
    std::vector<MultiLevelKey> keys;
    for (int i = 0; i < 60; ++i) keys.push_back(RandomKey(rng));
    std::vector<std::string> encoded;
    for (const auto& k : keys) encoded.push_back(EncodeMultiLevelKey(k));
    std::sort(encoded.begin(), encoded.end());
    for (const auto& k : keys) {
      KeyRange r = PrimaryRange(k.primary);
      // In range exactly when the primary matches...
      for (const auto& other : keys) {
        std::string e = EncodeMultiLevelKey(other);
        bool in = r.start <= e && e < r.end;
        ASSERT_EQ(in, other.primary == k.primary);
      }
      // ...and those keys are adjacent in sorted order.
      auto first = std::lower_bound(encoded.begin(), encoded.end(), r.start);
      auto last = std::lower_bound(encoded.begin(), encoded.end(), r.end);
      for (auto it = first; it != last; ++it) {
        ASSERT_EQ(DecodeMultiLevelKey(*it)->primary, k.primary);
      }
    }
  }
}

}  // namespace
}  // namespace strata::client

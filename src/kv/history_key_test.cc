#include "kv/history_key.h"

#include <random>
#include <tuple>

#include <gtest/gtest.h>

namespace strata::kv {
namespace {

// Short keys over an alphabet rich in the bytes the escaping cares about.
std::string RandomUserKey(std::mt19937& rng) {
  static constexpr char kAlphabet[] = {'\x00', '\x01', '\x02', '\xff', 'a'};
  std::string key(rng() % 5, 'a');
  for (char& c : key) c = kAlphabet[rng() % sizeof(kAlphabet)];
  return key;
}

Revision RandomRevision(std::mt19937& rng) {
  return Revision{static_cast<int64_t>(rng() % 4), static_cast<int64_t>(rng() % 3)};
}

// History keys sort by user key ascending, then revision descending.
TEST(HistoryKeyTest, OrderIsUserKeyThenNewestFirst) {
  std::mt19937 rng(3);
  for (int i = 0; i < 20000; ++i) {
    std::string ka = RandomUserKey(rng), kb = RandomUserKey(rng);
    Revision ra = RandomRevision(rng), rb = RandomRevision(rng);
    bool want_less = ka < kb || (ka == kb && ra > rb);
    EXPECT_EQ(HistoryKey(ka, ra) < HistoryKey(kb, rb), want_less);
  }
}

TEST(HistoryKeyTest, ParseAndDecodeRoundTrip) {
  std::mt19937 rng(5);
  for (int i = 0; i < 2000; ++i) {
    std::string key = RandomUserKey(rng);
    Revision rev{static_cast<int64_t>(rng()), static_cast<int64_t>(rng() % 100)};
    std::string encoded = HistoryKey(key, rev);
    auto parsed = ParseHistoryKey(encoded);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(parsed->revision, rev);
    EXPECT_EQ(parsed->prefix, VersionsStart(key));
    auto decoded = DecodeUserKey(parsed->prefix);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, key);
  }
}

TEST(HistoryKeyTest, VersionsRangeHoldsExactlyOneKey) {
  std::mt19937 rng(9);
  for (int i = 0; i < 20000; ++i) {
    std::string key = RandomUserKey(rng), other = RandomUserKey(rng);
    std::string start = VersionsStart(key), end = VersionsEnd(start);
    std::string probe = HistoryKey(other, RandomRevision(rng));
    EXPECT_EQ(probe >= start && probe < end, key == other);
  }
}

TEST(HistoryKeyTest, SeekAtOrBelowLandsOnNewestVersionNotAbove) {
  std::string prefix = VersionsStart("k");
  std::string target = SeekAtOrBelow(prefix, 5);
  EXPECT_LT(HistoryKey("k", {6, 0}), target);
  EXPECT_LT(target, HistoryKey("k", {5, 1000}));
  EXPECT_LT(target, HistoryKey("k", {4, 0}));
}

TEST(HistoryKeyTest, MalformedKeysAreCorruption) {
  std::string good = HistoryKey("k", {1, 0});
  EXPECT_EQ(ParseHistoryKey("short").status().code(), StatusCode::kCorruption);
  std::string no_terminator = good;
  no_terminator[2] = '\x05';
  EXPECT_EQ(ParseHistoryKey(no_terminator).status().code(), StatusCode::kCorruption);
  std::string negative = VersionsStart("k") + std::string(16, '\0');  // ~0 > INT64_MAX
  EXPECT_EQ(ParseHistoryKey(negative).status().code(), StatusCode::kCorruption);
  EXPECT_EQ(DecodeUserKey(std::string("a\x00\x05\x00\x01", 5)).status().code(),
            StatusCode::kCorruption);
}

TEST(HistoryKeyTest, RangeBoundsFollowEtcdConventions) {
  auto contains = [](const HistoryBounds& b, std::string_view key) {
    std::string k = HistoryKey(key, {7, 0});
    return !b.empty && k >= b.lower && (b.upper.empty() || k < b.upper);
  };
  const std::string zero("\0", 1);
  HistoryBounds single = BoundsForRange("a", "");
  EXPECT_TRUE(contains(single, "a"));
  EXPECT_FALSE(contains(single, "ab"));
  EXPECT_FALSE(contains(single, std::string("a\0", 2)));

  HistoryBounds interval = BoundsForRange("a", "c");
  EXPECT_TRUE(contains(interval, "a"));
  EXPECT_TRUE(contains(interval, "bzzz"));
  EXPECT_FALSE(contains(interval, "c"));

  HistoryBounds from = BoundsForRange("b", zero);
  EXPECT_FALSE(contains(from, "a"));
  EXPECT_TRUE(contains(from, "b"));
  EXPECT_TRUE(contains(from, "\xff\xff"));

  HistoryBounds all = BoundsForRange(zero, zero);
  EXPECT_TRUE(contains(all, zero));
  EXPECT_TRUE(contains(all, "a"));

  EXPECT_TRUE(BoundsForRange("c", "a").empty);
  EXPECT_TRUE(BoundsForRange("a", "a").empty);
}

}  // namespace
}  // namespace strata::kv

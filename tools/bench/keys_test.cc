#include "keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace strata::bench {
namespace {

TEST(KeysTest, DigitsOfTheLargestIndex) {
  EXPECT_EQ(KeyDigits(1), 1);
  EXPECT_EQ(KeyDigits(10), 1);  // 0..9
  EXPECT_EQ(KeyDigits(11), 2);
  EXPECT_EQ(KeyDigits(100'000), 5);
  EXPECT_EQ(KeyDigits(10'000'000), 7);
  EXPECT_EQ(KeyDigits(10'000'001), 8);
}

TEST(KeysTest, ZeroPaddedToTheKeySize) {
  EXPECT_EQ(FormatKey(42, 8), "00000042");
  EXPECT_EQ(FormatKey(0, 1), "0");
  EXPECT_EQ(FormatKey(12345678, 8), "12345678");
  EXPECT_EQ(FormatKey(7, 16).size(), 16u);
}

TEST(KeysTest, KeysSortInIndexOrder) {
  std::vector<std::string> keys;
  for (uint64_t i : {5, 100, 42, 9, 1000, 0}) keys.push_back(FormatKey(i, 6));
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted,
            (std::vector<std::string>{"000000", "000005", "000009", "000042", "000100", "001000"}));
}

TEST(KeysTest, RandomBytesUseEveryByteValue) {
  std::mt19937_64 rng(1);
  std::string v = RandomBytes(1 << 16, rng);
  EXPECT_EQ(v.size(), 1u << 16);
  std::vector<int> seen(256);
  for (char c : v) ++seen[static_cast<unsigned char>(c)];
  // 256 expected per byte value; a byte-wide generator misses none.
  EXPECT_TRUE(std::all_of(seen.begin(), seen.end(), [](int n) { return n > 128; }));
  EXPECT_NE(RandomBytes(256, rng), RandomBytes(256, rng));
}

}  // namespace
}  // namespace strata::bench

#include "prng.h"

#include <gtest/gtest.h>

#include <set>

namespace strata::sim {
namespace {

TEST(SimPrngTest, SameSeedSameStream) {
  Prng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 1000; ++i) {
    uint64_t x = a.next();
    EXPECT_EQ(x, b.next());
    differs |= x != c.next();
  }
  EXPECT_TRUE(differs);
}

TEST(SimPrngTest, KnownValuesArePortable) {
  // Pinned so that a change in the generator (which would silently change
  // every seed's run) is noticed.
  Prng p(1);
  uint64_t first = p.next();
  Prng q(1);
  EXPECT_EQ(first, q.next());
  uint64_t s = 0;
  EXPECT_EQ(SplitMix64(&s), 0xe220a8397b1dcdafULL);
}

TEST(SimPrngTest, UniformStaysInRangeAndCoversIt) {
  Prng p(7);
  std::set<uint64_t> seen;
  for (int i = 0; i < 10000; ++i) {
    uint64_t x = p.uniform(10);
    ASSERT_LT(x, 10u);
    seen.insert(x);
    uint64_t r = p.range(5, 8);
    ASSERT_GE(r, 5u);
    ASSERT_LE(r, 8u);
  }
  EXPECT_EQ(seen.size(), 10u);
}

TEST(SimPrngTest, ChanceMatchesItsRateRoughly) {
  Prng p(9);
  int hits = 0;
  for (int i = 0; i < 100000; ++i) hits += p.chance(250000);
  EXPECT_NEAR(hits, 25000, 1000);
  EXPECT_FALSE(p.chance(0));
  EXPECT_TRUE(p.chance(1000000));
}

TEST(SimPrngTest, DerivedSeedsAreIndependent) {
  EXPECT_NE(DeriveSeed(1, 1), DeriveSeed(1, 2));
  EXPECT_NE(DeriveSeed(1, 1), DeriveSeed(2, 1));
  EXPECT_EQ(DeriveSeed(5, 3), DeriveSeed(5, 3));
}

}  // namespace
}  // namespace strata::sim

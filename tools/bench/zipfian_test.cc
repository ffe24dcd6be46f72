#include "zipfian.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "keys.h"

namespace strata::bench {
namespace {

// Draw counts per rank from a fixed seed (the test is deterministic).
std::vector<uint64_t> Counts(const Zipfian& z, uint64_t n, int draws) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<uint64_t> counts(n);
  for (int i = 0; i < draws; ++i) {
    uint64_t r = z.Next(u(rng));
    EXPECT_LT(r, n);
    if (r < n) ++counts[r];
  }
  return counts;
}

TEST(ZipfianTest, ZetaOfSmallN) {
  EXPECT_DOUBLE_EQ(Zipfian::Zeta(1, 0.99), 1.0);
  EXPECT_NEAR(Zipfian::Zeta(2, 0.5), 1.0 + 1.0 / std::sqrt(2.0), 1e-12);
}

TEST(ZipfianTest, TopRanksFollowTheory) {
  const uint64_t n = 1000;
  const int draws = 1'000'000;
  for (double theta : {0.99, 0.8, 0.5}) {
    Zipfian z(n, theta);
    std::vector<uint64_t> counts = Counts(z, n, draws);
    double zeta = Zipfian::Zeta(n, theta);
    // Ranks 0 and 1 are exact in Gray's method; later ranks come from a
    // continuous approximation and get a wider tolerance.
    for (uint64_t rank = 0; rank < 10; ++rank) {
      double want = std::pow(rank + 1.0, -theta) / zeta;
      double got = static_cast<double>(counts[rank]) / draws;
      double tolerance = rank < 2 ? 0.03 : 0.2;
      EXPECT_NEAR(got / want, 1.0, tolerance) << "theta " << theta << " rank " << rank;
    }
    EXPECT_NEAR(z.top_probability(), 1.0 / zeta, 1e-12);
  }
}

TEST(ZipfianTest, FrequenciesDecreaseWithRank) {
  const uint64_t n = 100;
  Zipfian z(n, 0.99);
  std::vector<uint64_t> counts = Counts(z, n, 500'000);
  // Compare sums of blocks of ranks, which are far apart in expectation.
  auto block = [&](uint64_t from, uint64_t to) {
    uint64_t s = 0;
    for (uint64_t i = from; i < to; ++i) s += counts[i];
    return s;
  };
  EXPECT_GT(block(0, 10), block(10, 20));
  EXPECT_GT(block(10, 20), block(50, 60));
  EXPECT_GT(block(50, 60), 0u);
}

TEST(ZipfianTest, OneAndTwoKeys) {
  Zipfian one(1, 0.99);
  EXPECT_EQ(one.Next(0.0), 0u);
  EXPECT_EQ(one.Next(0.999), 0u);
  Zipfian two(2, 0.99);
  EXPECT_EQ(two.Next(0.0), 0u);
  EXPECT_EQ(two.Next(0.999), 1u);
}

TEST(KeyChooserTest, UniformCoversTheKeySpaceEvenly) {
  KeyChooser chooser(10, KeyDist::kUniform, 0.99);
  std::mt19937_64 rng(7);
  std::vector<int> counts(10);
  for (int i = 0; i < 100'000; ++i) ++counts.at(chooser.Next(rng));
  for (int c : counts) EXPECT_NEAR(c, 10'000, 600);
}

TEST(KeyChooserTest, ZipfianFavoursTheFirstKey) {
  KeyChooser chooser(1000, KeyDist::kZipfian, 0.99);
  std::mt19937_64 rng(7);
  int first = 0;
  for (int i = 0; i < 100'000; ++i) first += chooser.Next(rng) == 0 ? 1 : 0;
  double want = 100'000 / Zipfian::Zeta(1000, 0.99);
  EXPECT_NEAR(first / want, 1.0, 0.05);
}

}  // namespace
}  // namespace strata::bench

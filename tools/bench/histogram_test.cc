#include "histogram.h"

#include <gtest/gtest.h>

#include <cmath>

namespace strata::bench {
namespace {

// Relative error of a reported percentile.
double RelErr(uint64_t got, double want) {
  return std::abs(static_cast<double>(got) - want) / want;
}

TEST(HistogramTest, EmptyReportsZero) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.Percentile(0.99), 0u);
  EXPECT_EQ(h.max_ns(), 0u);
  EXPECT_EQ(h.min_ns(), 0u);
}

TEST(HistogramTest, ConstantValueIsExact) {
  Histogram h;
  for (int i = 0; i < 1000; ++i) h.Record(1'234'567);
  for (double q : {0.0, 0.5, 0.99, 0.999, 1.0}) EXPECT_EQ(h.Percentile(q), 1'234'567u) << q;
  EXPECT_EQ(h.max_ns(), 1'234'567u);
  EXPECT_DOUBLE_EQ(h.mean_ns(), 1'234'567.0);
}

TEST(HistogramTest, EveryBucketFrom1usTo60sIsWithinOnePercent) {
  for (double v = 1000; v < 60e9; v *= 1.037) {
    Histogram h;
    // The outer values keep the middle one from being clamped to min or max.
    h.Record(1);
    h.Record(static_cast<uint64_t>(v));
    h.Record(Histogram::kMaxTrackedNs);
    EXPECT_LT(RelErr(h.Percentile(0.5), v), 0.01) << v;
  }
}

TEST(HistogramTest, UniformDistributionPercentiles) {
  Histogram h;
  // 1 us .. 100 ms in 1 us steps.
  for (uint64_t us = 1; us <= 100'000; ++us) h.Record(us * 1000);
  EXPECT_EQ(h.count(), 100'000u);
  EXPECT_LT(RelErr(h.Percentile(0.50), 50'000e3), 0.01);
  EXPECT_LT(RelErr(h.Percentile(0.90), 90'000e3), 0.01);
  EXPECT_LT(RelErr(h.Percentile(0.99), 99'000e3), 0.01);
  EXPECT_LT(RelErr(h.Percentile(0.999), 99'900e3), 0.01);
  EXPECT_EQ(h.max_ns(), 100'000'000u);
  EXPECT_EQ(h.min_ns(), 1000u);
}

TEST(HistogramTest, ExponentialDistributionPercentiles) {
  // Exact quantiles of an exponential with a 2 ms mean stand in for samples.
  const double mean = 2e6;
  const int n = 200'000;
  Histogram h;
  for (int i = 0; i < n; ++i) {
    h.Record(static_cast<uint64_t>(-mean * std::log(1.0 - (i + 0.5) / n)));
  }
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    EXPECT_LT(RelErr(h.Percentile(q), -mean * std::log(1.0 - q)), 0.01) << q;
  }
  EXPECT_LT(std::abs(h.mean_ns() - mean) / mean, 0.01);
}

TEST(HistogramTest, MergeAddsCountsAndKeepsExtremes) {
  Histogram a, b;
  for (int i = 0; i < 900; ++i) a.Record(1'000'000);
  for (int i = 0; i < 100; ++i) b.Record(50'000'000);
  a.Merge(b);
  EXPECT_EQ(a.count(), 1000u);
  EXPECT_LT(RelErr(a.Percentile(0.5), 1e6), 0.01);
  EXPECT_LT(RelErr(a.Percentile(0.95), 50e6), 0.01);
  EXPECT_EQ(a.min_ns(), 1'000'000u);
  EXPECT_EQ(a.max_ns(), 50'000'000u);
}

TEST(HistogramTest, ValuesPastTheTopAreCountedAndMaxStaysExact) {
  Histogram h;
  h.Record(1000);
  h.Record(120'000'000'000);
  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.max_ns(), 120'000'000'000u);
  EXPECT_GE(h.Percentile(1.0), Histogram::kMaxTrackedNs * 99 / 100);
}

}  // namespace
}  // namespace strata::bench

#include "duration.h"

#include <gtest/gtest.h>

namespace strata::bench {
namespace {

using std::chrono::nanoseconds;

int64_t Ns(std::string_view text) {
  Result<nanoseconds> d = ParseDuration(text);
  EXPECT_TRUE(d.ok()) << text << ": " << d.status().ToString();
  return d.ok() ? d->count() : -1;
}

TEST(DurationTest, ParsesGoStyleUnits) {
  EXPECT_EQ(Ns("10s"), 10'000'000'000);
  EXPECT_EQ(Ns("500ms"), 500'000'000);
  EXPECT_EQ(Ns("2m"), 120'000'000'000);
  EXPECT_EQ(Ns("1h"), 3'600'000'000'000);
  EXPECT_EQ(Ns("250us"), 250'000);
  EXPECT_EQ(Ns("7ns"), 7);
  EXPECT_EQ(Ns("0"), 0);
  EXPECT_EQ(Ns("0s"), 0);
}

TEST(DurationTest, ParsesFractionsAndSequences) {
  EXPECT_EQ(Ns("1.5s"), 1'500'000'000);
  EXPECT_EQ(Ns("1m30s"), 90'000'000'000);
  EXPECT_EQ(Ns("2s500ms"), 2'500'000'000);
}

TEST(DurationTest, RejectsMalformedText) {
  for (std::string_view bad : {"", "10", "s", "-1s", "10x", "1.2.3s", "ms", "1 s", "5sec"}) {
    Result<nanoseconds> d = ParseDuration(bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_TRUE(d.status().Is(StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(DurationTest, FormatsTheShortestExactUnit) {
  EXPECT_EQ(FormatDuration(std::chrono::seconds(10)), "10s");
  EXPECT_EQ(FormatDuration(std::chrono::minutes(2)), "2m");
  EXPECT_EQ(FormatDuration(std::chrono::milliseconds(1500)), "1500ms");
  EXPECT_EQ(FormatDuration(nanoseconds(0)), "0");
}

}  // namespace
}  // namespace strata::bench

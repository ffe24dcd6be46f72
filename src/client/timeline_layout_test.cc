#include "client/timeline_layout.h"

#include <gtest/gtest.h>

#include <random>

namespace strata::client::internal {
namespace {

using namespace std::string_literals;

TEST(TimelineLayoutTest, KeysOfOneTimeline) {
  const std::string base = TimelineBase("chat");
  EXPECT_EQ(base, "strata/timeline/chat\0\x01"s);
  EXPECT_EQ(StatsKey("chat"), base + "s");
  EXPECT_EQ(IdKey("chat", "m1"), base + "im1");
  EXPECT_EQ(MessageKey("chat", 0, "m1"), base + "m\x80\0\0\0\0\0\0\0m1"s);
}

TEST(TimelineLayoutTest, TimeEncodingKeepsNumericOrder) {
  std::mt19937_64 rng(7);
  std::vector<int64_t> samples = {INT64_MIN, -1, 0, 1, INT64_MAX};
  for (int i = 0; i < 2000; ++i) samples.push_back(static_cast<int64_t>(rng()));
  for (int64_t a : samples) {
    EXPECT_EQ(DecodeTime(EncodeTime(a)), a);
    for (int64_t b : {INT64_MIN, int64_t{-5}, int64_t{0}, int64_t{5}, INT64_MAX}) {
      EXPECT_EQ(a < b, EncodeTime(a) < EncodeTime(b)) << a << " vs " << b;
    }
  }
}

TEST(TimelineLayoutTest, MessagesSortByTimestampThenId) {
  EXPECT_LT(MessageKey("t", 5, "b"), MessageKey("t", 6, "a"));
  EXPECT_LT(MessageKey("t", 5, "a"), MessageKey("t", 5, "b"));
  EXPECT_LT(MessageKey("t", -1, "z"), MessageKey("t", 0, ""));
}

TEST(TimelineLayoutTest, WindowsAreHalfOpenAndTimelinesDoNotMix) {
  MessageRange r = MessagesBetween("t", 10, 20);
  EXPECT_LE(r.start, MessageKey("t", 10, "a"));
  EXPECT_LT(MessageKey("t", 19, "\xFF\xFF"s), r.end);
  EXPECT_GE(MessageKey("t", 20, ""), r.end);
  EXPECT_LT(MessageKey("t", 9, "\xFF"s), r.start);
  MessageRange all = MessagesBetween("t", kBeginningOfTime, kEndOfTime);
  EXPECT_LT(MessageKey("t", kEndOfTime, "x"), all.end);
  EXPECT_LT(IdKey("t", "x"), all.start);  // "i" < "m": ids are outside the window
  EXPECT_GE(StatsKey("t"), all.end);      // "s" > "n"
  // "t" and "t\0" are different timelines with disjoint ranges.
  MessageRange other = MessagesBetween("t\0"s, kBeginningOfTime, kEndOfTime);
  EXPECT_TRUE(other.start >= all.end || other.end <= all.start);
}

TEST(TimelineLayoutTest, MessageAndStatsRoundTrip) {
  const std::string key = MessageKey("t", -42, "id\0x"s);
  auto m = DecodeMessage(TimelineBase("t").size(), key, "payload");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->timestamp, -42);
  EXPECT_EQ(m->id, "id\0x"s);
  EXPECT_EQ(m->payload, "payload");
  EXPECT_FALSE(DecodeMessage(TimelineBase("t").size(), StatsKey("t"), ""));

  TimelineStats s = AddMessage({}, Message{"a", 50, "xyz"});
  s = AddMessage(s, Message{"b", 10, "p"});
  s = AddMessage(s, Message{"c", 70, ""});
  EXPECT_EQ(s.count, 3);
  EXPECT_EQ(s.bytes, 4);
  EXPECT_EQ(s.first_timestamp, 10);
  EXPECT_EQ(s.last_timestamp, 70);
  auto back = DecodeStats(EncodeStats(s));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->count, 3);
  EXPECT_EQ(back->first_timestamp, 10);
  EXPECT_FALSE(DecodeStats("short"));
}

}  // namespace
}  // namespace strata::client::internal

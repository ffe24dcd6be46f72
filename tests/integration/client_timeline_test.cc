// Timelines against a real 3-member cluster: out-of-order appends, time
// windows in both orders, duplicate ids, exact statistics under concurrent
// appends, paging past one page, and merged queries over many timelines.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>

#include "strata/client.h"
#include "tests/integration/harness.h"

namespace strata::testing {
namespace {

using client::Client;
using client::ErrorCode;
using client::kBeginningOfTime;
using client::kEndOfTime;
using client::Message;
using client::Order;

class ClientTimelineTest : public SharedClusterTest {
 protected:
  static void SetUpTestSuite() {
    SharedClusterTest::SetUpTestSuite();
    if (HasFatalFailure()) return;
    client::ClientOptions options;
    for (int i = 0; i < 3; ++i) options.endpoints.push_back(cluster_->member(i).client_endpoint());
    options.default_timeout = std::chrono::seconds(20);  // Contended appends retry for a while.
    auto c = Client::Connect(options);
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    client_ = std::move(c).value().release();
  }
  static void TearDownTestSuite() {
    delete client_;
    client_ = nullptr;
    SharedClusterTest::TearDownTestSuite();
  }
  static std::vector<int64_t> Times(const std::vector<Message>& ms) {
    std::vector<int64_t> out;
    for (const auto& m : ms) out.push_back(m.timestamp);
    return out;
  }
  static Client* client_;
};

Client* ClientTimelineTest::client_ = nullptr;

TEST_F(ClientTimelineTest, OutOfOrderAppendsComeBackInTimeOrder) {
  auto tl = client_->timelines();
  ASSERT_TRUE(tl.create_timeline("tl/a").ok());
  EXPECT_EQ(tl.create_timeline("tl/a").error().code(), ErrorCode::kAlreadyExists);
  for (int64_t t : {50, 10, 30, -20, 40, 20}) {
    auto r = tl.append("tl/a", {"m" + std::to_string(t), t, "payload" + std::to_string(t)});
    ASSERT_TRUE(r.ok()) << r.error().ToString();
  }
  auto all = tl.query("tl/a", kBeginningOfTime, kEndOfTime);
  ASSERT_TRUE(all.ok()) << all.error().ToString();
  EXPECT_EQ(Times(*all), (std::vector<int64_t>{-20, 10, 20, 30, 40, 50}));
  EXPECT_EQ((*all)[1].id, "m10");
  EXPECT_EQ((*all)[1].payload, "payload10");
  auto desc = tl.query("tl/a", kBeginningOfTime, kEndOfTime, 0, Order::kDescending);
  EXPECT_EQ(Times(*desc), (std::vector<int64_t>{50, 40, 30, 20, 10, -20}));
  EXPECT_EQ(Times(*tl.query("tl/a", 20, 40)), (std::vector<int64_t>{20, 30})) << "[from, to)";
  EXPECT_EQ(Times(*tl.query("tl/a", 0, 100, 2)), (std::vector<int64_t>{10, 20}));
  EXPECT_EQ(Times(*tl.query("tl/a", 0, 100, 2, Order::kDescending)),
            (std::vector<int64_t>{50, 40}));
  EXPECT_TRUE(tl.query("tl/a", 60, 60)->empty());
  EXPECT_TRUE(tl.query("tl/a", 60, 10)->empty());

  auto stats = tl.timeline_stats("tl/a");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->count, 6);
  EXPECT_EQ(stats->first_timestamp, -20);
  EXPECT_EQ(stats->last_timestamp, 50);
  EXPECT_EQ(stats->bytes, 5 * 9 + 10);  // "payloadNN" five times, "payload-20" once.
}

TEST_F(ClientTimelineTest, EqualTimestampsOrderById) {
  auto tl = client_->timelines();
  ASSERT_TRUE(tl.create_timeline("tl/ties").ok());
  for (const char* id : {"c", "a", "b"}) ASSERT_TRUE(tl.append("tl/ties", {id, 7, ""}).ok());
  auto r = tl.query("tl/ties", kBeginningOfTime, kEndOfTime);
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].id, "a");
  EXPECT_EQ((*r)[2].id, "c");
}

TEST_F(ClientTimelineTest, DuplicateIdsAreRejected) {
  auto tl = client_->timelines();
  ASSERT_TRUE(tl.create_timeline("tl/dup").ok());
  ASSERT_TRUE(tl.append("tl/dup", {"m1", 10, "first"}).ok());
  auto again = tl.append("tl/dup", {"m1", 20, "second"});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(again.error().message().find("timestamp 10"), std::string::npos);
  EXPECT_EQ(tl.append("tl/dup", {"m1", 10, "first"}).error().code(), ErrorCode::kAlreadyExists)
      << "even an identical message is refused";
  EXPECT_EQ(tl.timeline_stats("tl/dup")->count, 1);
  auto all = tl.query("tl/dup", kBeginningOfTime, kEndOfTime);
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].payload, "first");
  EXPECT_EQ(tl.append("tl/dup", {"", 1, ""}).error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(ClientTimelineTest, MissingTimelines) {
  auto tl = client_->timelines();
  EXPECT_EQ(tl.append("tl/none", {"m", 1, ""}).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(tl.query("tl/none", 0, 10).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(tl.timeline_stats("tl/none").error().code(), ErrorCode::kNotFound);
}

TEST_F(ClientTimelineTest, ConcurrentAppendsKeepStatisticsExact) {
  auto tl = client_->timelines();
  ASSERT_TRUE(tl.create_timeline("tl/busy").ok());
  constexpr int kThreads = 6;
  constexpr int kEach = 25;
  std::atomic<int64_t> bytes{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&, w] {
      std::mt19937_64 rng(w);
      for (int i = 0; i < kEach; ++i) {
        Message m{"w" + std::to_string(w) + "-" + std::to_string(i),
                  static_cast<int64_t>(rng() % 100000), std::string(rng() % 50, 'p')};
        auto r = tl.append("tl/busy", m);
        if (!r.ok()) {
          ++failures;
          ADD_FAILURE() << r.error().ToString();
          continue;
        }
        bytes += static_cast<int64_t>(m.payload.size());
      }
    });
  }
  // Duplicates racing each other: each id is accepted exactly once.
  std::atomic<int> dup_wins{0};
  for (int w = 0; w < 3; ++w) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto r = tl.append("tl/busy", {"shared-" + std::to_string(i), 200000 + i, ""});
        if (r.ok())
          ++dup_wins;
        else
          EXPECT_EQ(r.error().code(), ErrorCode::kAlreadyExists) << r.error().ToString();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(dup_wins.load(), 10);
  auto all = tl.query("tl/busy", kBeginningOfTime, kEndOfTime);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), static_cast<size_t>(kThreads * kEach + 10));
  EXPECT_TRUE(std::is_sorted(all->begin(), all->end(), [](const Message& a, const Message& b) {
    return std::tie(a.timestamp, a.id) < std::tie(b.timestamp, b.id);
  }));
  auto stats = tl.timeline_stats("tl/busy");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->count, kThreads * kEach + 10);
  EXPECT_EQ(stats->bytes, bytes.load());
  EXPECT_EQ(stats->first_timestamp, all->front().timestamp);
  EXPECT_EQ(stats->last_timestamp, all->back().timestamp);
}

TEST_F(ClientTimelineTest, QueriesPagePastOnePage) {
  auto tl = client_->timelines();
  ASSERT_TRUE(tl.create_timeline("tl/long").ok());
  for (int i = 0; i < 1100; ++i) {
    auto r = tl.append("tl/long", {"m" + std::to_string(i), 3 * i, "x"});
    ASSERT_TRUE(r.ok()) << r.error().ToString();
  }
  auto all = tl.query("tl/long", kBeginningOfTime, kEndOfTime);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1100u);
  for (int i = 0; i < 1100; ++i) ASSERT_EQ((*all)[i].timestamp, 3 * i);
  auto desc = tl.query("tl/long", 0, kEndOfTime, 1050, Order::kDescending);
  ASSERT_EQ(desc->size(), 1050u);
  EXPECT_EQ(desc->front().timestamp, 3 * 1099);
  EXPECT_EQ(desc->back().timestamp, 3 * 50);
}

TEST_F(ClientTimelineTest, QueryManyMergesInTimeOrder) {
  auto tl = client_->timelines();
  for (const char* k : {"tl/m1", "tl/m2", "tl/m3"}) ASSERT_TRUE(tl.create_timeline(k).ok());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(tl.append_async("tl/m1", {"a" + std::to_string(i), 3 * i, "1"}).get().ok());
    ASSERT_TRUE(tl.append("tl/m2", {"b" + std::to_string(i), 3 * i + 1, "2"}).ok());
    ASSERT_TRUE(tl.append("tl/m3", {"c" + std::to_string(i), 3 * i + 2, "3"}).ok());
  }
  auto merged = tl.query_many({"tl/m3", "tl/m1", "tl/nothing", "tl/m2"}, 3, kEndOfTime, 7);
  ASSERT_TRUE(merged.ok()) << merged.error().ToString();
  ASSERT_EQ(merged->size(), 7u);
  for (size_t i = 0; i < merged->size(); ++i) {
    EXPECT_EQ((*merged)[i].message.timestamp, static_cast<int64_t>(3 + i));
  }
  EXPECT_EQ((*merged)[0].timeline, "tl/m1");
  EXPECT_EQ((*merged)[1].timeline, "tl/m2");
  EXPECT_EQ((*merged)[2].timeline, "tl/m3");
  auto everything =
      tl.query_many_async({"tl/m1", "tl/m2", "tl/m3"}, kBeginningOfTime, kEndOfTime).get();
  EXPECT_EQ(everything->size(), 30u);
  EXPECT_EQ(tl.timeline_stats_async("tl/m2").get()->count, 10);
}

}  // namespace
}  // namespace strata::testing

// libstrata's watch against a real 3-member cluster: events in order from
// a revision, prefix watches, deletes, cancel, compaction, and a watch that
// resumes without gaps or duplicates when the member it is connected to is
// killed and restarted while a numbered sequence is being written.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "strata/client.h"
#include "tests/integration/harness.h"

namespace strata::testing {
namespace {

using namespace std::chrono_literals;
using client::Client;
using client::ErrorCode;
using client::WatchEvent;
using client::WatchUpdate;

std::unique_ptr<Client> ConnectTo(const Cluster& cluster) {
  client::ClientOptions options;
  for (int i = 0; i < cluster.size(); ++i) {
    options.endpoints.push_back(cluster.member(i).client_endpoint());
  }
  options.default_timeout = 20s;
  options.retry.max_attempts = 40;
  auto c = Client::Connect(options);
  EXPECT_TRUE(c.ok()) << c.error().ToString();
  return c.ok() ? std::move(c).value() : nullptr;
}

// Collects what a watch delivers.
struct Seen {
  std::mutex mu;
  std::vector<WatchEvent> events;
  std::vector<int64_t> revisions;
  std::optional<client::Error> error;
  int64_t compact_revision = 0;

  client::WatchCallback Callback() {
    return [this](const WatchUpdate& u) {
      std::lock_guard lock(mu);
      for (const auto& e : u.events) events.push_back(e);
      if (u.error) {
        error = u.error;
        compact_revision = u.compact_revision;
      }
    };
  }
  size_t size() {
    std::lock_guard lock(mu);
    return events.size();
  }
  bool ended() {
    std::lock_guard lock(mu);
    return error.has_value();
  }
};

class ClientWatchTest : public SharedClusterTest {
 protected:
  static void SetUpTestSuite() {
    SharedClusterTest::SetUpTestSuite();
    if (HasFatalFailure()) return;
    client_ = ConnectTo(*cluster_).release();
  }
  static void TearDownTestSuite() {
    delete client_;
    client_ = nullptr;
    SharedClusterTest::TearDownTestSuite();
  }
  static Client* client_;
};

Client* ClientWatchTest::client_ = nullptr;

TEST_F(ClientWatchTest, PrefixEventsInOrderIncludingDeletes) {
  Seen seen;
  auto w = client_->watch("w1/", seen.Callback(), {.prefix = true});
  ASSERT_TRUE(w.ok()) << w.error().ToString();
  ASSERT_TRUE(client_->put("w1/a", "1").ok());
  ASSERT_TRUE(client_->put("w0", "outside").ok());
  ASSERT_TRUE(client_->put("w1/b", "2").ok());
  auto removed = client_->remove("w1/a");
  ASSERT_TRUE(removed.ok());
  ASSERT_TRUE(WaitFor([&] { return seen.size() >= 3; }));
  std::lock_guard lock(seen.mu);
  ASSERT_EQ(seen.events.size(), 3u);
  EXPECT_EQ(seen.events[0].kv.key, "w1/a");
  EXPECT_EQ(seen.events[0].kv.value, "1");
  EXPECT_EQ(seen.events[1].kv.key, "w1/b");
  EXPECT_EQ(seen.events[2].type, WatchEvent::Type::kDelete);
  EXPECT_EQ(seen.events[2].kv.mod_revision, removed->revision);
  EXPECT_EQ(w->next_revision(), removed->revision + 1);
}

TEST_F(ClientWatchTest, FromARevisionReplaysHistoryAndCancelStopsDelivery) {
  auto first = client_->put("w2/k", "a");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(client_->put("w2/k", "b").ok());
  Seen seen;
  auto w = client_->watch_async("w2/k", seen.Callback(), {.from_revision = first->revision}).get();
  ASSERT_TRUE(w.ok()) << w.error().ToString();
  ASSERT_TRUE(WaitFor([&] { return seen.size() >= 2; }));
  w->cancel();
  EXPECT_FALSE(w->active());
  ASSERT_TRUE(client_->put("w2/k", "c").ok());
  // A watch on the same key that stays open proves "c" was published.
  Seen witness;
  auto w2 = client_->watch("w2/k", witness.Callback(), {.from_revision = first->revision});
  ASSERT_TRUE(w2.ok());
  ASSERT_TRUE(WaitFor([&] { return witness.size() >= 3; }));
  std::lock_guard lock(seen.mu);
  ASSERT_EQ(seen.events.size(), 2u) << "nothing after cancel";
  EXPECT_EQ(seen.events[0].kv.value, "a");
  EXPECT_EQ(seen.events[1].kv.value, "b");
}

TEST_F(ClientWatchTest, ACompactedStartRevisionIsReportedWithTheCompactRevision) {
  ASSERT_TRUE(client_->put("w3/k", "old").ok());
  auto last = client_->put("w3/k", "new");
  ASSERT_TRUE(last.ok());
  auto compacted = cluster_->Etcdctl({"compact", std::to_string(last->revision)});
  ASSERT_EQ(compacted.exit_code, 0) << compacted.err;
  Seen seen;
  auto w = client_->watch("w3/k", seen.Callback(), {.from_revision = 1});
  if (!w.ok()) {
    EXPECT_EQ(w.error().code(), ErrorCode::kCompacted) << w.error().ToString();
    return;
  }
  ASSERT_TRUE(WaitFor([&] { return seen.ended(); }));
  std::lock_guard lock(seen.mu);
  EXPECT_EQ(seen.error->code(), ErrorCode::kCompacted) << seen.error->ToString();
  EXPECT_EQ(seen.compact_revision, last->revision);
  EXPECT_TRUE(seen.events.empty());
  EXPECT_FALSE(w->active());
}

TEST_F(ClientWatchTest, BadArgumentsAreRefused) {
  EXPECT_EQ(client_->watch("", [](const WatchUpdate&) {}).error().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(client_->watch("k", nullptr).error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(ClientWatchTest, DestroyingAWatchWithAnOpenStreamJoinsCleanly) {
  for (int i = 0; i < 5; ++i) {
    Seen seen;
    auto w = client_->watch("w4/", seen.Callback(), {.prefix = true});
    ASSERT_TRUE(w.ok());
  }  // Each destructor cancels its stream and joins the thread.
  SUCCEED();
}

// Its own cluster: a member is killed and restarted.
TEST(ClientWatchRestartTest, ResumesAcrossAMemberRestartWithoutGapsOrDuplicates) {
  Cluster cluster(3);
  ASSERT_TRUE(cluster.StartAll()) << cluster.LogTail(0);
  ASSERT_GE(cluster.WaitLeader(), 0);
  auto watcher_client = ConnectTo(cluster);
  auto writer = ConnectTo(cluster);
  Seen seen;
  auto w = watcher_client->watch("seq/", seen.Callback(), {.prefix = true});
  ASSERT_TRUE(w.ok()) << w.error().ToString();
  const std::string on = w->endpoint();
  int victim = -1;
  for (int i = 0; i < cluster.size(); ++i) {
    if (cluster.member(i).client_endpoint() == on) victim = i;
  }
  ASSERT_GE(victim, 0) << "the watch's endpoint " << on;

  constexpr int kCount = 150;
  auto key = [](int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "seq/%04d", i);
    return std::string(buf);
  };
  std::atomic<int> written{0};
  std::atomic<bool> killed{false}, restarted{false};
  // Phases: 0-49 before the kill, 50-99 while the member is down, the rest
  // after its restart.
  std::thread producer([&] {
    for (int i = 0; i < kCount; ++i) {
      if (i == 50 && !WaitFor([&] { return killed.load(); }, 120s)) return;
      if (i == 100 && !WaitFor([&] { return restarted.load(); }, 120s)) return;
      // Create-only and retried: a repeat can never apply twice.
      auto r =
          writer->put_if_version(key(i), std::to_string(i), 0, {.retry_if_outcome_unknown = true});
      if (!r.ok() &&
          !(r.error().Is(ErrorCode::kVersionMismatch) && r.error().current_version() == 1)) {
        ADD_FAILURE() << "write " << i << ": " << r.error().ToString();
        return;
      }
      written = i + 1;
    }
  });
  EXPECT_TRUE(WaitFor([&] { return seen.size() >= 50; }, 60s)) << seen.size();
  cluster.Stop(victim, /*hard=*/true);
  killed = true;
  EXPECT_TRUE(WaitFor([&] { return written >= 100; }, 120s)) << "writes go on with two members";
  EXPECT_TRUE(cluster.Start(victim)) << cluster.LogTail(victim);
  restarted = true;
  producer.join();
  ASSERT_EQ(written.load(), kCount);
  ASSERT_TRUE(WaitFor([&] { return seen.size() >= kCount; }, 120s)) << seen.size();
  // Writes after the last one: nothing more may arrive.
  ASSERT_TRUE(writer->put("seq/zz-end", "end").ok());
  ASSERT_TRUE(WaitFor([&] { return seen.size() >= kCount + 1; }, 60s));
  std::lock_guard lock(seen.mu);
  ASSERT_EQ(seen.events.size(), static_cast<size_t>(kCount + 1));
  for (int i = 0; i < kCount; ++i) {
    EXPECT_EQ(seen.events[i].kv.key, key(i)) << "event " << i;
    EXPECT_EQ(seen.events[i].kv.value, std::to_string(i));
    if (i > 0) {
      EXPECT_LT(seen.events[i - 1].kv.mod_revision, seen.events[i].kv.mod_revision);
    }
  }
  EXPECT_EQ(seen.events[kCount].kv.key, "seq/zz-end");
  EXPECT_GE(w->reconnects(), 1);
  EXPECT_NE(w->endpoint(), "") << "connected again";
  EXPECT_FALSE(seen.error.has_value());
}

}  // namespace
}  // namespace strata::testing

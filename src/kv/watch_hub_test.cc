// WatchHub: live events, catch-up from history, slow clients, cancellation
// and progress notifications.
#include "kv/watch_hub.h"

#include <gtest/gtest.h>

#include <condition_variable>

#include "kv/mvcc_test_util.h"

namespace strata::kv {
namespace {

using namespace std::chrono_literals;

const std::string kZero("\0", 1);

// A client of one stream: wakes on on_ready and collects responses.
class TestClient {
 public:
  explicit TestClient(WatchHub* hub)
      : stream_(hub->OpenStream([this] {
          std::lock_guard lock(mu_);
          ready_ = true;
          cv_.notify_all();
        })) {}

  WatchStream& stream() { return *stream_; }

  // Takes responses until pred(all taken so far) holds or 20 s pass.
  template <typename Pred>
  bool TakeUntil(Pred pred, size_t max_bytes = 1 << 20) {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!pred(taken_)) {
      std::vector<WatchResponse> batch = stream_->Take(max_bytes);
      for (auto& r : batch) taken_.push_back(std::move(r));
      if (!batch.empty()) continue;  // Drain before waiting.
      std::unique_lock lock(mu_);
      if (!cv_.wait_until(lock, deadline, [this] { return ready_; })) return pred(taken_);
      ready_ = false;
    }
    return true;
  }
  // Responses carrying events for watcher id, with their events flattened.
  std::vector<Event> EventsOf(WatchId id) const {
    std::vector<Event> out;
    for (const auto& r : taken_) {
      if (r.watch_id == id) out.insert(out.end(), r.events.begin(), r.events.end());
    }
    return out;
  }
  const std::vector<WatchResponse>& taken() const { return taken_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool ready_ = false;
  std::vector<WatchResponse> taken_;
  std::unique_ptr<WatchStream> stream_;
};

class WatchHubTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = OpenStore(&engine_); }
  void Open(WatchHubOptions options = {}) {
    hub_ = std::make_unique<WatchHub>(store_.get(), options);
  }

  // Commits a put (or a delete with value nullopt) and publishes it.
  int64_t Write(const std::string& key, std::optional<std::string> value) {
    auto txn = store_->BeginWrite();
    STRATA_ASSERT(txn.ok());
    if (value) {
      STRATA_ASSERT((*txn)->Put(key, *value).ok());
    } else {
      STRATA_ASSERT((*txn)->DeleteRange(key, "").ok());
    }
    std::vector<Event> events = (*txn)->events();
    int64_t revision = (*txn)->revision();
    STRATA_ASSERT((*txn)->Commit(false).ok());
    if (hub_ && !events.empty()) hub_->Publish(revision, events);
    return revision;
  }

  storage::MemoryEngine engine_;
  std::unique_ptr<MvccStore> store_;
  std::unique_ptr<WatchHub> hub_;
};

size_t CountEvents(const std::vector<WatchResponse>& rs, WatchId id) {
  size_t n = 0;
  for (const auto& r : rs) n += r.watch_id == id ? r.events.size() : 0;
  return n;
}

TEST_F(WatchHubTest, LiveEventsFollowTheCreatedResponse) {
  Open();
  TestClient client(hub_.get());
  WatchSpec spec;
  spec.key = "a";
  spec.range_end = "b";  // Prefix "a".
  spec.prev_kv = true;
  auto id = client.stream().Watch(std::nullopt, spec);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, 0);  // etcd's first automatic id.
  Write("a1", "x");
  Write("b", "outside");
  Write("a1", "y");
  Write("a1", std::nullopt);
  ASSERT_TRUE(client.TakeUntil([&](auto& rs) { return CountEvents(rs, *id) == 3; }));
  ASSERT_TRUE(client.taken().front().created);
  EXPECT_EQ(client.taken().front().revision, 1);
  std::vector<Event> events = client.EventsOf(*id);
  EXPECT_EQ(events[0].kv.value, "x");
  EXPECT_FALSE(events[0].prev_kv.has_value());
  EXPECT_EQ(events[1].prev_kv->value, "x");
  EXPECT_EQ(events[2].type, Event::Type::kDelete);
  EXPECT_EQ(events[2].kv.mod_revision, 5);
}

TEST_F(WatchHubTest, FiltersAndIdsFollowEtcd) {
  Open();
  TestClient client(hub_.get());
  WatchSpec puts_only;
  puts_only.key = "k";
  puts_only.no_delete = true;
  auto chosen = client.stream().Watch(7, puts_only);
  ASSERT_TRUE(chosen.ok());
  EXPECT_EQ(*chosen, 7);
  EXPECT_TRUE(client.stream().Watch(7, puts_only).status().Is(StatusCode::kAlreadyExists));
  WatchSpec deletes_only;
  deletes_only.key = "k";
  deletes_only.no_put = true;
  auto automatic = client.stream().Watch(std::nullopt, deletes_only);
  ASSERT_TRUE(automatic.ok());
  EXPECT_EQ(*automatic, 0);
  Write("k", "v");
  Write("k", std::nullopt);
  ASSERT_TRUE(client.TakeUntil(
      [&](auto& rs) { return CountEvents(rs, 7) == 1 && CountEvents(rs, 0) == 1; }));
  EXPECT_EQ(client.EventsOf(7)[0].type, Event::Type::kPut);
  EXPECT_EQ(client.EventsOf(0)[0].type, Event::Type::kDelete);
}

TEST_F(WatchHubTest, StartInThePastReplaysHistoryThenGoesLive) {
  for (int i = 0; i < 50; ++i) Write("k", std::to_string(i));  // Revisions 2..51, unpublished.
  WatchHubOptions options;
  options.catch_up_revisions = 7;  // Several windows.
  Open(options);
  TestClient client(hub_.get());
  WatchSpec spec;
  spec.key = "k";
  spec.start_revision = 10;
  auto id = client.stream().Watch(std::nullopt, spec);
  ASSERT_TRUE(id.ok());
  // Writes keep coming while it catches up.
  for (int i = 50; i < 60; ++i) Write("k", std::to_string(i));
  ASSERT_TRUE(client.TakeUntil([&](auto& rs) { return CountEvents(rs, *id) >= 52; }));
  std::vector<Event> events = client.EventsOf(*id);
  ASSERT_EQ(events.size(), 52u);  // Revisions 10..61, once each.
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].kv.mod_revision, static_cast<int64_t>(10 + i));
  }
}

TEST_F(WatchHubTest, CompactedStartIsCancelledWithCompactRevision) {
  for (int i = 0; i < 5; ++i) Write("k", std::to_string(i));
  ASSERT_TRUE(store_->Compact(4).ok());
  Open();
  TestClient client(hub_.get());
  WatchSpec spec;
  spec.key = "k";
  spec.start_revision = 2;
  auto id = client.stream().Watch(std::nullopt, spec);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(client.TakeUntil([](auto& rs) { return !rs.empty() && rs.back().canceled; }));
  EXPECT_TRUE(client.taken().front().created);
  EXPECT_EQ(client.taken().back().compact_revision, 4);
  EXPECT_EQ(hub_->watcher_count(), 0u);
}

TEST_F(WatchHubTest, SlowClientLosesNothingAndMemoryStaysBounded) {
  WatchHubOptions options;
  options.stream_buffer_bytes = 2048;  // A few responses.
  options.recent_revisions = 4;        // Force catch-up from history.
  Open(options);
  TestClient client(hub_.get());
  WatchSpec spec;
  spec.key = "k";
  auto id = client.stream().Watch(std::nullopt, spec);
  ASSERT_TRUE(id.ok());
  for (int i = 0; i < 300; ++i) Write("k", std::string(100, 'a' + i % 26));
  // The client reads only now, a little at a time.
  ASSERT_TRUE(client.TakeUntil([&](auto& rs) { return CountEvents(rs, *id) >= 300; }, 512));
  std::vector<Event> events = client.EventsOf(*id);
  ASSERT_EQ(events.size(), 300u);
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].kv.mod_revision, static_cast<int64_t>(2 + i));
  }
}

TEST_F(WatchHubTest, ClientThatNeverReadsIsCancelledAsTooSlow) {
  WatchHubOptions options;
  options.stream_buffer_bytes = 1024;
  options.slow_watcher_cancel_after = 50ms;
  Open(options);
  TestClient client(hub_.get());
  WatchSpec spec;
  spec.key = "k";
  auto id = client.stream().Watch(std::nullopt, spec);
  ASSERT_TRUE(id.ok());
  for (int i = 0; i < 100; ++i) Write("k", std::string(100, 'x'));
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (hub_->watcher_count() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_EQ(hub_->watcher_count(), 0u);
  ASSERT_TRUE(client.TakeUntil([](auto& rs) { return !rs.empty() && rs.back().canceled; }));
  EXPECT_NE(client.taken().back().cancel_reason.find("too slow"), std::string::npos);
}

TEST_F(WatchHubTest, CancelEndsTheWatcher) {
  Open();
  TestClient client(hub_.get());
  WatchSpec spec;
  spec.key = kZero;
  spec.range_end = kZero;  // Every key.
  auto id = client.stream().Watch(std::nullopt, spec);
  ASSERT_TRUE(id.ok());
  Write("a", "1");
  ASSERT_TRUE(client.stream().Cancel(*id).ok());
  EXPECT_TRUE(client.stream().Cancel(*id).Is(StatusCode::kNotFound));
  Write("b", "2");
  ASSERT_TRUE(client.TakeUntil([](auto& rs) { return !rs.empty() && rs.back().canceled; }));
  EXPECT_EQ(CountEvents(client.taken(), *id), 1u);
}

TEST_F(WatchHubTest, ProgressRequestAndProgressNotify) {
  WatchHubOptions options;
  options.progress_interval = 30ms;
  Open(options);
  TestClient client(hub_.get());
  WatchSpec spec;
  spec.key = "k";
  spec.progress_notify = true;
  auto id = client.stream().Watch(std::nullopt, spec);
  ASSERT_TRUE(id.ok());
  int64_t rev = Write("other", "x");
  client.stream().RequestProgress();
  ASSERT_TRUE(client.TakeUntil([&](auto& rs) {
    return std::any_of(rs.begin(), rs.end(), [&](const WatchResponse& r) {
      return r.watch_id == kStreamProgressWatchId && r.revision == rev;
    });
  }));
  // With nothing happening on its keys, the watcher hears progress.
  ASSERT_TRUE(client.TakeUntil([&](auto& rs) {
    return std::any_of(rs.begin(), rs.end(), [&](const WatchResponse& r) {
      return r.watch_id == *id && !r.created && r.events.empty();
    });
  }));
}

TEST_F(WatchHubTest, ResetReplaysFromHistory) {
  Open();
  TestClient client(hub_.get());
  WatchSpec spec;
  spec.key = "k";
  auto id = client.stream().Watch(std::nullopt, spec);
  ASSERT_TRUE(id.ok());
  Write("k", "seen");
  // Changes that reach the store without being published (as when a
  // snapshot replaces the state), then a reset.
  WatchHub* hub = hub_.release();
  Write("k", "from-snapshot-1");
  Write("k", "from-snapshot-2");
  hub_.reset(hub);
  hub_->Reset();
  ASSERT_TRUE(client.TakeUntil([&](auto& rs) { return CountEvents(rs, *id) == 3; }));
  EXPECT_EQ(client.EventsOf(*id).back().kv.value, "from-snapshot-2");
}

}  // namespace
}  // namespace strata::kv

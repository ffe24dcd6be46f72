// libstrata against a real 3-member cluster: single-key operations,
// compare-and-set under contention, paged scans and the iterator, batches,
// multi-level keys with tricky bytes, consistency levels and clear errors.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "strata/client.h"
#include "tests/integration/harness.h"

namespace strata::testing {
namespace {

using namespace std::chrono_literals;
using namespace std::string_literals;
using client::Client;
using client::ErrorCode;

std::unique_ptr<Client> ConnectTo(std::vector<std::string> endpoints, bool discover = true) {
  client::ClientOptions options;
  options.endpoints = std::move(endpoints);
  options.discover_members = discover;
  auto c = Client::Connect(options);
  EXPECT_TRUE(c.ok()) << c.error().ToString();
  return c.ok() ? std::move(c).value() : nullptr;
}

class ClientKvTest : public SharedClusterTest {
 protected:
  static void SetUpTestSuite() {
    SharedClusterTest::SetUpTestSuite();
    if (HasFatalFailure()) return;
    std::vector<std::string> endpoints;
    for (int i = 0; i < 3; ++i) endpoints.push_back(cluster_->member(i).client_endpoint());
    client_ = ConnectTo(endpoints).release();
  }
  static void TearDownTestSuite() {
    delete client_;
    client_ = nullptr;
    SharedClusterTest::TearDownTestSuite();
  }
  static Client* client_;
};

Client* ClientKvTest::client_ = nullptr;

TEST_F(ClientKvTest, GetPutRemove) {
  auto missing = client_->get("kv/a");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);

  auto put = client_->put("kv/a", "1");
  ASSERT_TRUE(put.ok()) << put.error().ToString();
  auto got = client_->get("kv/a");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->value, "1");
  EXPECT_EQ(got->version, 1);
  EXPECT_EQ(got->mod_revision, put->revision);
  ASSERT_TRUE(client_->put("kv/a", "2").ok());
  EXPECT_EQ(client_->get("kv/a")->version, 2);

  auto removed = client_->remove("kv/a");
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->deleted, 1);
  EXPECT_EQ(client_->remove("kv/a")->deleted, 0) << "removing a missing key is no error";
  EXPECT_EQ(client_->get("kv/a").error().code(), ErrorCode::kNotFound);
  // etcdctl sees what the client wrote.
  ASSERT_TRUE(client_->put("kv/b", "from-client").ok());
  EXPECT_EQ(cluster_->Etcdctl({"get", "kv/b", "--print-value-only"}).out, "from-client\n");
}

TEST_F(ClientKvTest, AsyncFormsRunConcurrently) {
  std::vector<std::future<client::Result<client::WriteResult>>> puts;
  for (int i = 0; i < 64; ++i) {
    puts.push_back(client_->put_async("async/" + std::to_string(i), std::to_string(i)));
  }
  for (auto& f : puts) ASSERT_TRUE(f.get().ok());
  std::vector<std::future<client::Result<client::KeyValue>>> gets;
  for (int i = 0; i < 64; ++i) gets.push_back(client_->get_async("async/" + std::to_string(i)));
  for (int i = 0; i < 64; ++i) {
    auto r = gets[i].get();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->value, std::to_string(i));
  }
  auto page = client_->range_scan_async("async/", "async0", 0).get();
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->kvs.size(), 64u);
  EXPECT_EQ(client_->remove_async("async/0").get()->deleted, 1);
  EXPECT_TRUE(client_->put_if_version_async("async/1", "x", 1).get().ok());
  EXPECT_EQ(client_->multi_get_async({"async/1"}).get()->values[0]->value, "x");
  EXPECT_TRUE(client_->multi_put_async({{"async/2", "y"}}, true).get().ok());
  EXPECT_EQ(client_->scan_primary_async("none").get()->size(), 0u);
  EXPECT_EQ(client_->members_async().get()->size(), 3u);
  EXPECT_TRUE(client_->status_async().get().ok());
}

TEST_F(ClientKvTest, SerializableReadsEventuallySeeEveryCommittedWrite) {
  auto put = client_->put("consistency/k", "v1");
  ASSERT_TRUE(put.ok());
  for (int i = 0; i < 3; ++i) {
    // One member only: a serializable read answers from that member's state.
    auto one = ConnectTo({cluster_->member(i).client_endpoint()}, /*discover=*/false);
    client::ReadOptions serializable{.consistency = client::Consistency::kSerializable};
    EXPECT_TRUE(WaitFor([&] {
      auto r = one->get("consistency/k", serializable);
      return r.ok() && r->mod_revision >= put->revision;
    })) << "member "
        << i;
    // A linearizable read through the same member sees the write at once.
    auto lin = one->get("consistency/k");
    ASSERT_TRUE(lin.ok());
    EXPECT_EQ(lin->value, "v1");
  }
}

TEST_F(ClientKvTest, PutIfVersion) {
  auto created = client_->put_if_version("cas/a", "v1", 0);
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  auto again = client_->put_if_version("cas/a", "v1", 0);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kVersionMismatch);
  EXPECT_EQ(again.error().current_version(), 1);
  ASSERT_TRUE(client_->put_if_version("cas/a", "v2", 1).ok());
  auto stale = client_->put_if_version("cas/a", "v3", 1);
  EXPECT_EQ(stale.error().current_version(), 2);
  EXPECT_EQ(client_->get("cas/a")->value, "v2");
  EXPECT_EQ(client_->put_if_version("cas/missing", "x", 4).error().current_version(), 0);
  EXPECT_EQ(client_->put_if_version("cas/a", "x", -1).error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(ClientKvTest, ConcurrentPutIfVersionHasExactlyOneWinnerPerVersion) {
  constexpr int kThreads = 8;
  constexpr int64_t kTargetVersion = 60;
  std::mutex mu;
  std::map<int64_t, int> winners;  // expected version -> winning thread
  std::atomic<int> mismatches{0}, other_errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (;;) {
        auto cur = client_->get("cas/race");
        const int64_t v = cur.ok() ? cur->version : 0;
        if (!cur.ok() && !cur.error().Is(ErrorCode::kNotFound)) {
          ++other_errors;
          return;
        }
        if (v >= kTargetVersion) return;
        auto r = client_->put_if_version("cas/race", std::to_string(t), v);
        if (r.ok()) {
          std::lock_guard lock(mu);
          EXPECT_TRUE(winners.emplace(v, t).second) << "two winners for version " << v;
        } else if (r.error().Is(ErrorCode::kVersionMismatch)) {
          ++mismatches;
          EXPECT_GT(r.error().current_version(), v);
        } else {
          ++other_errors;
          ADD_FAILURE() << r.error().ToString();
          return;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(other_errors.load(), 0);
  ASSERT_EQ(winners.size(), static_cast<size_t>(kTargetVersion));
  for (int64_t v = 0; v < kTargetVersion; ++v) EXPECT_TRUE(winners.contains(v)) << v;
  auto final = client_->get("cas/race");
  EXPECT_EQ(final->version, kTargetVersion);
  EXPECT_EQ(final->value, std::to_string(winners[kTargetVersion - 1]));
  std::printf("put_if_version race: %d threads, %lld wins, %d mismatches\n", kThreads,
              static_cast<long long>(kTargetVersion), mismatches.load());
}

std::string Key(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "scan/%05d", i);
  return buf;
}

TEST_F(ClientKvTest, RangeScanPagesContinueWhereTheLastStopped) {
  constexpr int kKeys = 1000;
  std::vector<client::PutEntry> entries;
  for (int i = 0; i < kKeys; ++i) entries.push_back({Key(i), std::to_string(i)});
  auto put = client_->multi_put(entries, /*atomic=*/false);
  ASSERT_TRUE(put.ok());
  for (const auto& r : *put) ASSERT_TRUE(r.ok()) << r.error().ToString();

  std::vector<std::string> seen;
  client::ReadOptions at;
  std::string start = "scan/";
  int pages = 0;
  for (;;) {
    auto page = client_->range_scan(start, "scan0", 97, at);
    ASSERT_TRUE(page.ok()) << page.error().ToString();
    ++pages;
    EXPECT_LE(page->kvs.size(), 97u);
    for (const auto& kv : page->kvs) seen.push_back(kv.key);
    if (pages == 1) {
      ASSERT_TRUE(client_->put("scan/00500a", "late").ok());  // After the first page's snapshot.
    }
    if (!page->more) break;
    start = page->next_start;
    at.revision = page->revision;
  }
  EXPECT_EQ(pages, (kKeys + 96) / 97);
  ASSERT_EQ(seen.size(), static_cast<size_t>(kKeys)) << "the late key must not appear";
  for (int i = 0; i < kKeys; ++i) EXPECT_EQ(seen[i], Key(i));
  // Without a pinned revision the late key is there.
  EXPECT_EQ(client_->range_scan("scan/", "scan0", 0)->kvs.size(), static_cast<size_t>(kKeys + 1));
  ASSERT_TRUE(client_->remove("scan/00500a").ok());
}

TEST_F(ClientKvTest, IteratorPagesTransparently) {
  std::vector<client::PutEntry> entries;
  for (int i = 0; i < 700; ++i) entries.push_back({"iter/" + Key(i), "v"});
  ASSERT_TRUE(client_->multi_put(entries, false).ok());
  auto it = client_->scan("iter/", "iter0", {.page_size = 64});
  int n = 0;
  std::string last;
  for (; it.Valid(); it.Next(), ++n) {
    EXPECT_LT(last, it.kv().key);
    last = it.kv().key;
  }
  EXPECT_TRUE(it.status().ok());
  EXPECT_EQ(n, 700);
  EXPECT_EQ(it.pages(), 11);  // 10 full pages and one of 60.
  auto empty = client_->scan("iter0", "iter1");
  EXPECT_FALSE(empty.Valid());
  EXPECT_TRUE(empty.status().ok());
}

TEST_F(ClientKvTest, MultiGetReadsOneSnapshot) {
  std::vector<client::PutEntry> entries;
  std::vector<std::string> keys;
  for (int i = 0; i < 300; ++i) {
    keys.push_back("mget/" + std::to_string(i));
    if (i % 3 != 0) entries.push_back({keys.back(), "v" + std::to_string(i)});
  }
  ASSERT_TRUE(client_->multi_put(entries, false).ok());
  auto r = client_->multi_get(keys);  // 300 keys: three Txns.
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->values.size(), 300u);
  for (int i = 0; i < 300; ++i) {
    if (i % 3 == 0) {
      EXPECT_FALSE(r->values[i].has_value()) << i;
    } else {
      ASSERT_TRUE(r->values[i].has_value()) << i;
      EXPECT_EQ(r->values[i]->value, "v" + std::to_string(i));
      EXPECT_LE(r->values[i]->mod_revision, r->revision);
    }
  }
  // Reading at an old revision shows the old values, all at that revision.
  ASSERT_TRUE(client_->put("mget/1", "changed").ok());
  auto old = client_->multi_get({"mget/1", "mget/299"}, {.revision = r->revision});
  EXPECT_EQ(old->values[0]->value, "v1");
  EXPECT_EQ(client_->multi_get({"mget/1"})->values[0]->value, "changed");
}

TEST_F(ClientKvTest, MultiPutAtomicAndBatched) {
  std::vector<client::PutEntry> small;
  for (int i = 0; i < 100; ++i) small.push_back({"mput/a/" + std::to_string(i), "x"});
  auto atomic = client_->multi_put(small, true);
  ASSERT_TRUE(atomic.ok()) << atomic.error().ToString();
  for (const auto& r : *atomic) EXPECT_EQ(r->revision, (*atomic)[0]->revision) << "one Txn";

  std::vector<client::PutEntry> big;
  for (int i = 0; i < 129; ++i) big.push_back({"mput/big/" + std::to_string(i), "x"});
  auto too_big = client_->multi_put(big, true);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(client_->range_scan("mput/big/", "mput/big0", 0)->kvs.size(), 0u)
      << "a refused atomic batch writes nothing";
  EXPECT_EQ(client_->multi_put({{"mput/d", "1"}, {"mput/d", "2"}}, true).error().code(),
            ErrorCode::kInvalidArgument);

  big.push_back({"mput/big/0", "last"});  // A repeated key: the last entry wins.
  auto batched = client_->multi_put(big, false);
  ASSERT_TRUE(batched.ok());
  ASSERT_EQ(batched->size(), 130u);
  for (const auto& r : *batched) EXPECT_TRUE(r.ok());
  EXPECT_EQ(client_->get("mput/big/0")->value, "last");
  EXPECT_EQ(client_->range_scan("mput/big/", "mput/big0", 0)->kvs.size(), 129u);
}

TEST_F(ClientKvTest, MultiLevelScansWithTrickyBytes) {
  const std::vector<std::string> primaries = {"",  "\0"s,  "\0\0"s,  "\0\xff"s, "\xff"s,
                                              "a", "a\0"s, "a\x01"s, "a\xff"s,  "b"};
  const std::vector<std::string> secondaries = {"",      "\0"s,     "\0\0"s, "\x01"s,
                                                "\xff"s, "\xff\0"s, "x",     "x\0y"s};
  std::vector<client::PutEntry> entries;
  for (const auto& p : primaries) {
    for (const auto& s : secondaries) {
      entries.push_back({client::EncodeMultiLevelKey({p, s}), p + "|" + s});
    }
  }
  auto put = client_->multi_put(entries, false);
  ASSERT_TRUE(put.ok());
  std::vector<std::string> sorted = secondaries;
  std::sort(sorted.begin(), sorted.end());
  for (const auto& p : primaries) {
    auto r = client_->scan_primary(p);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    ASSERT_EQ(r->size(), sorted.size()) << "primary of size " << p.size();
    for (size_t i = 0; i < sorted.size(); ++i) {
      EXPECT_EQ((*r)[i].key.primary, p);
      EXPECT_EQ((*r)[i].key.secondary, sorted[i]);
      EXPECT_EQ((*r)[i].kv.value, p + "|" + sorted[i]);
    }
    EXPECT_EQ(client_->scan_primary(p, 3)->size(), 3u);
  }
  EXPECT_EQ(client_->get(client::EncodeMultiLevelKey({"a\0"s, "x\0y"s}))->value, "a\0|x\0y"s);
}

TEST_F(ClientKvTest, ErrorsAreClear) {
  auto empty = client_->put("", "v");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(client_->range_scan("a", "b", -1).error().code(), ErrorCode::kInvalidArgument);

  auto first = client_->put("compact/k", "old");
  ASSERT_TRUE(first.ok());
  auto second = client_->put("compact/k", "new");
  ASSERT_TRUE(second.ok());
  auto c = cluster_->Etcdctl({"compaction", std::to_string(second->revision)});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  auto gone = client_->get("compact/k", {.revision = first->revision});
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code(), ErrorCode::kCompacted) << gone.error().ToString();
  EXPECT_NE(gone.error().message().find("compact/k"), std::string::npos) << "names the key";
  auto future = client_->get("compact/k", {.revision = second->revision + 1000000});
  EXPECT_EQ(future.error().code(), ErrorCode::kOutOfRange);
}

}  // namespace
}  // namespace strata::testing

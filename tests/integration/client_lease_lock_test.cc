// libstrata's leases and locks against a real 3-member cluster: keep-alive
// holds a key past its TTL, revoke deletes it, a lease revoked elsewhere is
// reported lost; locks exclude each other across clients and hand out
// increasing fencing revisions; the async forms.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <thread>

#include "strata/client.h"
#include "tests/integration/harness.h"

namespace strata::testing {
namespace {

using namespace std::chrono_literals;
using client::Client;
using client::ErrorCode;

class ClientLeaseLockTest : public SharedClusterTest {
 protected:
  static std::unique_ptr<Client> NewClient() {
    client::ClientOptions options;
    for (int i = 0; i < 3; ++i) options.endpoints.push_back(cluster_->member(i).client_endpoint());
    options.default_timeout = 20s;
    auto c = Client::Connect(options);
    EXPECT_TRUE(c.ok()) << c.error().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }
};

TEST_F(ClientLeaseLockTest, KeepAliveHoldsAKeyPastItsTtlAndRevokeDeletesIt) {
  auto c = NewClient();
  auto lease = c->grant_lease(2s);
  ASSERT_TRUE(lease.ok()) << lease.error().ToString();
  EXPECT_EQ(lease->ttl_seconds(), 2);
  ASSERT_TRUE(c->put("lease/kept", "v", {.lease = lease->id()}).ok());

  // Three TTLs later the key is still there, because renewals got through.
  const auto until = std::chrono::steady_clock::now() + 6s;
  while (std::chrono::steady_clock::now() < until) {
    auto got = c->get("lease/kept");
    ASSERT_TRUE(got.ok()) << got.error().ToString();
    std::this_thread::sleep_for(200ms);  // Observation pace, not synchronisation.
  }
  EXPECT_TRUE(lease->alive());
  EXPECT_GE(lease->renewals(), 3);
  auto ttl = lease->time_to_live();
  ASSERT_TRUE(ttl.ok()) << ttl.error().ToString();
  EXPECT_GT(*ttl, 0);

  ASSERT_TRUE(lease->revoke().ok());
  EXPECT_FALSE(lease->alive());
  ASSERT_TRUE(lease->lost().has_value());
  EXPECT_EQ(lease->lost()->code(), ErrorCode::kCancelled);
  auto gone = c->get("lease/kept");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(lease->revoke().ok()) << "revoking a revoked lease is not an error";
  EXPECT_EQ(lease->time_to_live().error().code(), ErrorCode::kNotFound);
}

TEST_F(ClientLeaseLockTest, WithoutKeepAliveTheKeyExpires) {
  auto c = NewClient();
  auto lease = c->grant_lease(1s, {.keep_alive = false});
  ASSERT_TRUE(lease.ok()) << lease.error().ToString();
  ASSERT_TRUE(c->put("lease/expires", "v", {.lease = lease->id()}).ok());
  EXPECT_TRUE(WaitFor([&] { return !c->get("lease/expires").ok(); }, 30s));
  EXPECT_EQ(c->get("lease/expires").error().code(), ErrorCode::kNotFound);
}

TEST_F(ClientLeaseLockTest, ALeaseRevokedElsewhereIsReportedLost) {
  auto c = NewClient();
  std::atomic<int> lost_calls{0};
  auto lease = c->grant_lease(5s, {.on_lost = [&](const client::Error&) { ++lost_calls; }});
  ASSERT_TRUE(lease.ok()) << lease.error().ToString();
  char hex[32];
  std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(lease->id()));
  auto revoked = cluster_->Etcdctl({"lease", "revoke", hex});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  ASSERT_TRUE(lease->wait_lost(30s));
  EXPECT_EQ(lease->lost()->code(), ErrorCode::kNotFound) << lease->lost()->ToString();
  EXPECT_TRUE(WaitFor([&] { return lost_calls.load() == 1; })) << "on_lost runs once";
  EXPECT_TRUE(lease->revoke().ok()) << "already gone: not an error";
  EXPECT_EQ(lost_calls.load(), 1);
}

TEST_F(ClientLeaseLockTest, PutWithAnUnknownLeaseFails) {
  auto c = NewClient();
  auto r = c->put("lease/unknown", "v", {.lease = 0x7fff1234});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound) << r.error().ToString();
}

TEST_F(ClientLeaseLockTest, LocksExcludeEachOtherWithIncreasingFencingRevisions) {
  auto a = NewClient();
  auto b = NewClient();
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};
  std::mutex mu;
  std::vector<int64_t> fences;  // In acquisition order (appended while held).
  auto worker = [&](Client* c) {
    for (int i = 0; i < 10; ++i) {
      auto guard = c->lock("locks/shared");
      ASSERT_TRUE(guard.ok()) << guard.error().ToString();
      if (inside.fetch_add(1) != 0) ++overlaps;
      {
        std::lock_guard lock(mu);
        fences.push_back(guard->fencing_revision());
      }
      // Work under the lock that another holder would disturb.
      auto v = c->get("locks/counter");
      int n = v.ok() ? std::stoi(v->value) : 0;
      ASSERT_TRUE(c->put("locks/counter", std::to_string(n + 1)).ok());
      inside.fetch_sub(1);
      ASSERT_TRUE(guard->unlock().ok());
    }
  };
  std::thread ta(worker, a.get());
  std::thread tb(worker, b.get());
  ta.join();
  tb.join();
  EXPECT_EQ(overlaps.load(), 0);
  ASSERT_EQ(fences.size(), 20u);
  for (size_t i = 1; i < fences.size(); ++i) EXPECT_LT(fences[i - 1], fences[i]) << i;
  EXPECT_EQ(a->get("locks/counter")->value, "20") << "no lost update under the lock";
}

TEST_F(ClientLeaseLockTest, AHeldLockMakesOthersWaitAndTheGuardReleasesIt) {
  auto a = NewClient();
  auto b = NewClient();
  std::optional<client::LockGuard> held;
  {
    auto g = a->lock("locks/one");
    ASSERT_TRUE(g.ok()) << g.error().ToString();
    EXPECT_TRUE(g->held());
    EXPECT_EQ(g->key().rfind("locks/one/", 0), 0u) << g->key();
    held.emplace(std::move(g).value());
  }
  auto waiting = b->lock("locks/one", {.timeout = 500ms});
  ASSERT_FALSE(waiting.ok());
  EXPECT_EQ(waiting.error().code(), ErrorCode::kDeadlineExceeded) << waiting.error().ToString();

  auto later = b->lock_async("locks/one");
  EXPECT_EQ(later.wait_for(300ms), std::future_status::timeout) << "still held by a";
  const int64_t first = held->fencing_revision();
  held.reset();  // The destructor unlocks.
  auto got = later.get();
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_GT(got->fencing_revision(), first);
}

TEST_F(ClientLeaseLockTest, ALockWithTheCallersLease) {
  auto c = NewClient();
  auto lease = c->grant_lease_async(10s).get();
  ASSERT_TRUE(lease.ok()) << lease.error().ToString();
  auto g = c->lock("locks/with-lease", {.lease = lease->id()});
  ASSERT_TRUE(g.ok()) << g.error().ToString();
  EXPECT_EQ(g->lease_id(), lease->id());
  // Revoking the caller's lease releases the lock for the next one.
  ASSERT_TRUE(lease->revoke().ok());
  auto next = c->lock("locks/with-lease", {.timeout = 10s});
  ASSERT_TRUE(next.ok()) << next.error().ToString();
  EXPECT_GT(next->fencing_revision(), g->fencing_revision());
  EXPECT_TRUE(g->unlock().ok()) << "unlocking a lock whose key is gone is not an error";
}

TEST_F(ClientLeaseLockTest, ADestroyedLeaseStopsRenewingAndExpires) {
  auto c = NewClient();
  int64_t id = 0;
  {
    auto lease = c->grant_lease(1s);
    ASSERT_TRUE(lease.ok()) << lease.error().ToString();
    id = lease->id();
    ASSERT_TRUE(c->put("lease/abandoned", "v", {.lease = id}).ok());
  }  // Joins the keep-alive; does not revoke.
  EXPECT_TRUE(c->get("lease/abandoned").ok()) << "not revoked by the destructor";
  EXPECT_TRUE(WaitFor([&] { return !c->get("lease/abandoned").ok(); }, 30s));
}

TEST_F(ClientLeaseLockTest, ShutdownEndsStreamsAndObjectsOutliveTheClient) {
  auto c = NewClient();
  auto lease = c->grant_lease(2s);
  ASSERT_TRUE(lease.ok());
  std::atomic<bool> ended{false};
  std::atomic<int> code{-1};
  auto watch = c->watch("lease/shutdown", [&](const client::WatchUpdate& u) {
    if (u.error) {
      code = static_cast<int>(u.error->code());
      ended = true;
    }
  });
  ASSERT_TRUE(watch.ok());
  auto guard = c->lock("locks/shutdown");
  ASSERT_TRUE(guard.ok());
  c.reset();  // Shutdown, then the client is gone; the objects hold its core.
  ASSERT_TRUE(WaitFor([&] { return ended.load(); }));
  EXPECT_EQ(code.load(), static_cast<int>(ErrorCode::kCancelled));
  EXPECT_FALSE(watch->active());
  EXPECT_TRUE(lease->wait_lost(10s));
  EXPECT_EQ(lease->lost()->code(), ErrorCode::kCancelled);
  EXPECT_EQ(guard->unlock().error().code(), ErrorCode::kCancelled);
}  // Destructors join their threads.

TEST_F(ClientLeaseLockTest, SaveSnapshotAsyncWritesAVerifiedFile) {
  auto c = NewClient();
  ASSERT_TRUE(c->put("snapshot/k", "v").ok());
  const std::string path = cluster_->dir() + "/async.db";
  auto info = c->save_snapshot_async(path).get();
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  EXPECT_EQ(info->bytes, static_cast<int64_t>(std::filesystem::file_size(path)));
  EXPECT_GT(info->revision, 0);
  EXPECT_EQ(info->sha256_hex.size(), 64u);
  auto bad = c->save_snapshot("/nonexistent-dir/x.db");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument) << bad.error().ToString();
}

// Its own cluster: the leader, where keep-alives go, is killed.
TEST(ClientLeaseFailoverTest, KeepAliveMovesToAnotherMemberWhenTheLeaderDies) {
  Cluster cluster(3);
  ASSERT_TRUE(cluster.StartAll()) << cluster.LogTail(0);
  const int leader = cluster.WaitLeader();
  ASSERT_GE(leader, 0);
  client::ClientOptions options;
  for (int i = 0; i < 3; ++i) options.endpoints.push_back(cluster.member(i).client_endpoint());
  options.default_timeout = 20s;
  options.retry.max_attempts = 40;
  auto connected = Client::Connect(options);
  ASSERT_TRUE(connected.ok()) << connected.error().ToString();
  Client& c = **connected;
  auto lease = c.grant_lease(3s);
  ASSERT_TRUE(lease.ok()) << lease.error().ToString();
  ASSERT_TRUE(c.put("lease/failover", "v", {.lease = lease->id()}).ok());
  ASSERT_TRUE(WaitFor([&] { return lease->renewals() >= 1; }));

  cluster.Stop(leader, /*hard=*/true);
  const int64_t before = lease->renewals();
  ASSERT_TRUE(WaitFor([&] { return lease->renewals() >= before + 3; }, 60s))
      << "renewals resume through another member";
  EXPECT_TRUE(lease->alive()) << (lease->lost() ? lease->lost()->ToString() : "");
  auto got = c.get("lease/failover");
  ASSERT_TRUE(got.ok()) << got.error().ToString();
  EXPECT_EQ(got->value, "v");
  ASSERT_TRUE(lease->revoke().ok());
  EXPECT_EQ(c.get("lease/failover").error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace strata::testing

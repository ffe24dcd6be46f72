// Faults against real processes: the leader killed with SIGKILL under a
// write load, and a follower that falls so far behind that only a snapshot
// can bring it back (a small state, and a large one streamed from the
// leader's engine view and staged on the follower's disk). No acknowledged
// write may be lost, and every replica must end with the same data (HashKV).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "tests/integration/grpc_client.h"
#include "tests/integration/harness.h"

namespace strata::testing {
namespace {

using namespace std::chrono_literals;

// Every key with the prefix, read from member i alone (serializable).
std::set<std::string> KeysOn(const Cluster& c, int i, const std::string& prefix) {
  EtcdClient client(c.member(i).client_endpoint());
  etcdserverpb::RangeRequest req;
  req.set_key(prefix);
  std::string end = prefix;
  end.back()++;
  req.set_range_end(end);
  req.set_keys_only(true);
  req.set_serializable(true);
  etcdserverpb::RangeResponse resp;
  std::set<std::string> keys;
  if (!client.Range(req, &resp).ok()) return keys;
  for (const auto& kv : resp.kvs()) keys.insert(kv.key());
  return keys;
}

// Waits until every running member reports the same HashKV at the same revision.
bool HashesConverge(const Cluster& c) {
  return WaitFor(
      [&] {
        std::set<std::pair<int64_t, uint32_t>> seen;
        int64_t rev = 0;
        for (int i = 0; i < c.size(); ++i) {
          if (!c.Running(i)) continue;
          EtcdClient client(c.member(i).client_endpoint());
          etcdserverpb::StatusResponse st;
          if (!client.Status(&st).ok()) return false;
          rev = rev == 0 ? st.header().revision() : std::min(rev, st.header().revision());
        }
        for (int i = 0; i < c.size(); ++i) {
          if (!c.Running(i)) continue;
          EtcdClient client(c.member(i).client_endpoint());
          etcdserverpb::HashKVResponse h;
          if (!client.HashKV(rev, &h).ok()) return false;
          seen.insert({rev, h.hash()});
        }
        return seen.size() == 1;
      },
      60s);
}

// As etcd's monitorLeader: a watch stream opened with "hasleader" ends with
// "etcdserver: no leader" once its member has lost the leader, so that the
// client can move to a member that has one; a stream without it stays.
TEST(FailoverTest, WatchThatRequiresALeaderEndsWhenItsMemberLosesIt) {
  Cluster c(3);
  ASSERT_TRUE(c.StartAll());
  int leader = c.WaitLeader();
  ASSERT_GE(leader, 0);
  const int follower = (leader + 1) % 3;
  auto channel =
      grpc::CreateChannel(c.member(follower).client_endpoint(), grpc::InsecureChannelCredentials());
  auto stub = etcdserverpb::Watch::NewStub(channel);
  etcdserverpb::WatchRequest create;
  create.mutable_create_request()->set_key("w");
  etcdserverpb::WatchResponse response;

  grpc::ClientContext bound_ctx;
  bound_ctx.AddMetadata("hasleader", "true");
  bound_ctx.set_deadline(std::chrono::system_clock::now() + 120s);
  auto bound = stub->Watch(&bound_ctx);
  ASSERT_TRUE(bound->Write(create));
  ASSERT_TRUE(bound->Read(&response));
  EXPECT_TRUE(response.created());

  grpc::ClientContext free_ctx;
  auto unbound = stub->Watch(&free_ctx);
  ASSERT_TRUE(unbound->Write(create));
  ASSERT_TRUE(unbound->Read(&response));

  for (int i = 0; i < 3; ++i) {
    if (i != follower) c.Stop(i, /*hard=*/true);
  }
  while (bound->Read(&response)) {
  }
  grpc::Status ended = bound->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::UNAVAILABLE) << ended.error_message();
  EXPECT_EQ(ended.error_message(), "etcdserver: no leader");

  // The other stream still works: a progress request gets its answer.
  etcdserverpb::WatchRequest progress;
  progress.mutable_progress_request();
  ASSERT_TRUE(unbound->Write(progress));
  EXPECT_TRUE(unbound->Read(&response));
  free_ctx.TryCancel();
}

TEST(FailoverTest, LeaderKilledUnderLoadLosesNoAcknowledgedWrite) {
  Cluster c(3);
  ASSERT_TRUE(c.StartAll()) << c.LogTail(0);
  int leader = c.WaitLeader();
  ASSERT_GE(leader, 0);

  std::mutex mu;
  std::set<std::string> acked;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> first_ok_after_kill_ms{-1};
  std::atomic<bool> killed{false};
  auto kill_time = std::chrono::steady_clock::now();
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] {
      int target = w;
      for (int n = 0; !stop; ++n) {
        if (killed && target == leader) target = (target + 1) % 3;
        EtcdClient client(c.member(target).client_endpoint());
        std::string key = "load/" + std::to_string(w) + "/" + std::to_string(n);
        grpc::Status s = client.Put(key, "v", nullptr, 2s);
        if (s.ok()) {
          std::lock_guard lock(mu);
          acked.insert(key);
          if (killed && first_ok_after_kill_ms < 0) {
            first_ok_after_kill_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - kill_time)
                                         .count();
          }
        } else {
          target = (target + 1) % 3;  // Try another member.
        }
      }
    });
  }
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard lock(mu);
    return acked.size() >= 200;
  }));
  kill_time = std::chrono::steady_clock::now();
  c.Stop(leader, /*hard=*/true);
  killed = true;
  ASSERT_TRUE(WaitFor([&] { return first_ok_after_kill_ms >= 0; }, 20s));
  size_t at_kill_recovery = 0;
  {
    std::lock_guard lock(mu);
    at_kill_recovery = acked.size();
  }
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard lock(mu);
    return acked.size() >= at_kill_recovery + 200;
  }));
  stop = true;
  for (auto& t : writers) t.join();
  RecordProperty("leader_kill_to_first_write_ms", std::to_string(first_ok_after_kill_ms.load()));
  std::printf("leader kill to first successful write: %lld ms\n",
              static_cast<long long>(first_ok_after_kill_ms.load()));
  EXPECT_LT(first_ok_after_kill_ms.load(), 3000) << "a new leader must serve writes within 3 s";

  ASSERT_TRUE(c.Start(leader));
  ASSERT_TRUE(c.WaitHealthy(leader)) << c.LogTail(leader);
  for (int i = 0; i < 3; ++i) {
    std::set<std::string> keys;
    bool complete = WaitFor(
        [&] {
          keys = KeysOn(c, i, "load/");
          return std::includes(keys.begin(), keys.end(), acked.begin(), acked.end());
        },
        60s);
    EXPECT_TRUE(complete) << "member " << i << " lacks acknowledged writes (" << keys.size()
                          << " of " << acked.size() << " present)";
  }
  EXPECT_TRUE(HashesConverge(c));
}

TEST(FailoverTest, FollowerBehindCompactedLogCatchesUpThroughSnapshot) {
  Cluster c(3);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.Start(i, {"--snapshot-count=50"}));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.WaitHealthy(i)) << c.LogTail(i);
  int leader = c.WaitLeader();
  ASSERT_GE(leader, 0);
  int follower = (leader + 1) % 3;
  c.Stop(follower, /*hard=*/false);
  EtcdClient client(c.member(leader).client_endpoint());
  std::set<std::string> written;
  for (int n = 0; n < 400; ++n) {
    std::string key = "behind/" + std::to_string(n);
    ASSERT_TRUE(client.Put(key, std::string(100, 'x')).ok());
    written.insert(key);
  }
  ASSERT_TRUE(c.Start(follower, {"--snapshot-count=50"}));
  ASSERT_TRUE(WaitFor([&] { return KeysOn(c, follower, "behind/") == written; }, 60s))
      << c.LogTail(follower);
  EXPECT_NE(c.LogTail(follower, 400).find("installed snapshot"), std::string::npos)
      << "the log was compacted, so only a snapshot can have brought the follower back";
  EXPECT_TRUE(HashesConverge(c));
}

// Keys with the prefix on member i alone (serializable), counted there.
int64_t CountOn(const Cluster& c, int i, const std::string& prefix) {
  EtcdClient client(c.member(i).client_endpoint());
  etcdserverpb::RangeRequest req;
  req.set_key(prefix);
  std::string end = prefix;
  end.back()++;
  req.set_range_end(end);
  req.set_count_only(true);
  req.set_serializable(true);
  etcdserverpb::RangeResponse resp;
  if (!client.Range(req, &resp, 10s).ok()) return -1;
  return resp.count();
}

// A field of /proc/<pid>/status in KiB (VmHWM: peak RSS, VmRSS: now).
int64_t ProcStatusKib(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(field + ":")) return std::stoll(line.substr(field.size() + 1));
  }
  return -1;
}

// Starts counting a process's peak RSS afresh (Linux 4.0+: clear_refs 5).
void ResetPeakRss(pid_t pid) {
  std::ofstream("/proc/" + std::to_string(pid) + "/clear_refs") << "5";
}

// 200,000 keys of 250-byte values (about 50 MB of values, more with the
// MVCC keys): a follower that missed them all catches up through one
// snapshot, streamed from the leader's engine view in 1 MiB chunks and
// staged in SST files on the follower. Reports the time and both processes'
// peak RSS during the catch-up; asserts only correctness.
TEST(FailoverTest, FollowerCatchesUpThroughALargeSnapshot) {
  constexpr int kKeys = 200000;
  constexpr int kPerTxn = 100;
  constexpr int kWriters = 4;
  const std::string value(250, 'v');
  Cluster c(3);
  const std::vector<std::string> flags = {"--snapshot-count=2000"};
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.Start(i, flags));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(c.WaitHealthy(i)) << c.LogTail(i);
  int leader = c.WaitLeader();
  ASSERT_GE(leader, 0);
  int follower = (leader + 1) % 3;
  c.Stop(follower, /*hard=*/false);

  auto load_start = std::chrono::steady_clock::now();
  std::atomic<int> next_txn{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&] {
      auto channel = grpc::CreateChannel(c.member(leader).client_endpoint(),
                                         grpc::InsecureChannelCredentials());
      auto kv = etcdserverpb::KV::NewStub(channel);
      for (int t = next_txn++; t < kKeys / kPerTxn; t = next_txn++) {
        etcdserverpb::TxnRequest txn;
        for (int k = 0; k < kPerTxn; ++k) {
          char key[32];
          std::snprintf(key, sizeof(key), "large/%07d", t * kPerTxn + k);
          auto* put = txn.add_success()->mutable_request_put();
          put->set_key(key);
          put->set_value(value);
        }
        bool ok = false;
        for (int attempt = 0; attempt < 5 && !ok; ++attempt) {
          grpc::ClientContext ctx;
          ctx.set_deadline(std::chrono::system_clock::now() + 20s);
          etcdserverpb::TxnResponse resp;
          ok = kv->Txn(&ctx, txn, &resp).ok();
        }
        if (!ok) ++failures;
      }
    });
  }
  for (auto& t : writers) t.join();
  ASSERT_EQ(failures.load(), 0);
  double load_secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  ASSERT_EQ(CountOn(c, leader, "large/"), kKeys);

  ResetPeakRss(c.member(leader).pid);
  const int64_t leader_rss_before = ProcStatusKib(c.member(leader).pid, "VmRSS");
  auto catch_up_start = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.Start(follower, flags));
  ASSERT_TRUE(WaitFor([&] { return CountOn(c, follower, "large/") == kKeys; }, 300s))
      << c.LogTail(follower);
  double catch_up_secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - catch_up_start).count();
  const int64_t leader_peak = ProcStatusKib(c.member(leader).pid, "VmHWM");
  const int64_t follower_peak = ProcStatusKib(c.member(follower).pid, "VmHWM");
  const std::string log = c.LogTail(follower, 400);
  EXPECT_NE(log.find("installed snapshot"), std::string::npos)
      << "the log was compacted, so only a snapshot can have brought the follower back";
  size_t staged = log.find("installing snapshot image");
  EXPECT_NE(staged, std::string::npos) << "the image was staged on disk, not carried whole";
  if (staged != std::string::npos) {
    std::printf("follower: %s\n", log.substr(staged, log.find('\n', staged) - staged).c_str());
  }

  std::printf(
      "large snapshot: %d keys loaded in %.1f s; follower caught up in %.1f s; peak RSS during "
      "the catch-up: leader %.1f MiB (%.1f MiB before), follower %.1f MiB\n",
      kKeys, load_secs, catch_up_secs, leader_peak / 1024.0, leader_rss_before / 1024.0,
      follower_peak / 1024.0);
  RecordProperty("catch_up_seconds", std::to_string(catch_up_secs));
  RecordProperty("leader_peak_rss_kib", std::to_string(leader_peak));
  RecordProperty("follower_peak_rss_kib", std::to_string(follower_peak));
  EXPECT_TRUE(HashesConverge(c));
}

}  // namespace
}  // namespace strata::testing

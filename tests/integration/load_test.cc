// Load tests of the Watch and Lease services on a real 3-member cluster:
// 10,000 watchers on one member, and 100,000 keys under expiring leases.
// They assert delivery (no event lost, repeated or out of order) and expiry
// (every leased key is gone, on every member); the member's resident memory
// is reported as test properties (see docs/compatibility.md, "Load").
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "etcd/etcdserverpb/rpc.grpc.pb.h"
#include "tests/integration/grpc_client.h"
#include "tests/integration/harness.h"

namespace strata::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Resident memory of a process in KiB, from /proc (0 if unreadable).
long RssKiB(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

std::string KeyName(int i) {
  std::string digits = std::to_string(i);
  return "w/" + std::string(6 - digits.size(), '0') + digits;
}

// One bidirectional Watch stream with many watchers, read by its own thread.
// Events are recorded by watch id.
class WatchStream {
 public:
  struct Seen {
    int64_t revision;
    std::string key;
    std::string value;
    bool operator<(const Seen& o) const {
      return std::tie(revision, key) < std::tie(o.revision, o.key);
    }
  };

  explicit WatchStream(etcdserverpb::Watch::Stub* stub)
      : stream_(stub->Watch(&ctx_)), reader_([this] { Read(); }) {}

  ~WatchStream() {
    ctx_.TryCancel();
    reader_.join();
    (void)stream_->Finish();
  }

  // Asks for a watcher with a client-chosen id on [key, range_end).
  bool Create(int64_t watch_id, const std::string& key, const std::string& range_end,
              int64_t start_revision) {
    etcdserverpb::WatchRequest request;
    auto* create = request.mutable_create_request();
    create->set_key(key);
    create->set_range_end(range_end);
    create->set_start_revision(start_revision);
    create->set_watch_id(watch_id);
    std::lock_guard lock(write_mu_);
    return stream_->Write(request);
  }

  int created() const { return created_.load(); }
  int64_t events() const { return events_.load(); }
  bool failed() const { return failed_.load(); }

  std::map<int64_t, std::vector<Seen>> seen() const {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  void Read() {
    etcdserverpb::WatchResponse response;
    while (stream_->Read(&response)) {
      if (response.created()) ++created_;
      if (response.canceled()) failed_ = true;
      if (response.events_size() == 0) continue;
      std::lock_guard lock(mu_);
      auto& seen = seen_[response.watch_id()];
      for (const auto& e : response.events()) {
        seen.push_back({e.kv().mod_revision(), e.kv().key(), e.kv().value()});
      }
      events_ += response.events_size();
    }
  }

  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReaderWriter<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>>
      stream_;
  std::mutex write_mu_;
  mutable std::mutex mu_;
  std::map<int64_t, std::vector<Seen>> seen_;
  std::atomic<int> created_{0};
  std::atomic<int64_t> events_{0};
  std::atomic<bool> failed_{false};
  std::thread reader_;
};

// Puts keys [first, first + count) with `value` in Txns of `per_txn` puts
// (each Txn is one revision), under `lease` if non-zero. Returns the
// revisions the Txns were written at, or an empty vector on an error.
std::vector<int64_t> PutInTxns(etcdserverpb::KV::Stub* kv, int first, int count, int per_txn,
                               const std::string& value, int64_t lease = 0,
                               const std::string& prefix = "") {
  std::vector<int64_t> revisions;
  for (int start = first; start < first + count; start += per_txn) {
    etcdserverpb::TxnRequest txn;
    for (int i = start; i < std::min(first + count, start + per_txn); ++i) {
      auto* put = txn.add_success()->mutable_request_put();
      put->set_key(prefix.empty() ? KeyName(i) : prefix + std::to_string(i));
      put->set_value(value);
      put->set_lease(lease);
    }
    etcdserverpb::TxnResponse response;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    grpc::Status s = kv->Txn(&ctx, txn, &response);
    if (!s.ok()) {
      ADD_FAILURE() << "txn at key " << start << ": " << s.error_message();
      return {};
    }
    revisions.push_back(response.header().revision());
  }
  return revisions;
}

int64_t CountPrefix(EtcdClient& client, const std::string& prefix, bool serializable) {
  etcdserverpb::RangeRequest range;
  range.set_key(prefix);
  std::string end = prefix;
  end.back() = static_cast<char>(end.back() + 1);
  range.set_range_end(end);
  range.set_count_only(true);
  range.set_serializable(serializable);
  etcdserverpb::RangeResponse response;
  if (!client.Range(range, &response).ok()) return -1;
  return response.count();
}

class LoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<Cluster>(3);
    ASSERT_TRUE(cluster_->StartAll()) << cluster_->LogTail(0);
    channel_ = grpc::CreateChannel(cluster_->member(0).client_endpoint(),
                                   grpc::InsecureChannelCredentials());
    kv_ = etcdserverpb::KV::NewStub(channel_);
  }

  std::unique_ptr<Cluster> cluster_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<etcdserverpb::KV::Stub> kv_;
};

// 10,000 watchers, one per key, over 50 streams, plus 5 watchers of the whole
// prefix; every key is written twice. Each key watcher must see exactly its
// two puts in order, each prefix watcher every put once, in revision order.
TEST_F(LoadTest, TenThousandWatchersSeeEveryEventOnceInOrder) {
  constexpr int kStreams = 50;
  constexpr int kPerStream = 200;
  constexpr int kKeys = kStreams * kPerStream;
  constexpr int kPrefixWatchers = 5;
  constexpr int kPerTxn = 50;
  pid_t pid = cluster_->member(0).pid;
  long rss_before = RssKiB(pid);

  auto watch = etcdserverpb::Watch::NewStub(channel_);
  EtcdClient client(cluster_->member(0).client_endpoint());
  etcdserverpb::StatusResponse status;
  ASSERT_TRUE(client.Status(&status).ok());
  int64_t start = status.header().revision() + 1;

  std::vector<std::unique_ptr<WatchStream>> streams;
  for (int s = 0; s < kStreams + kPrefixWatchers; ++s) {
    streams.push_back(std::make_unique<WatchStream>(watch.get()));
  }
  for (int s = 0; s < kStreams; ++s) {
    for (int j = 0; j < kPerStream; ++j) {
      std::string key = KeyName(s * kPerStream + j);
      ASSERT_TRUE(streams[s]->Create(j + 1, key, "", start));
    }
  }
  for (int p = 0; p < kPrefixWatchers; ++p) {
    ASSERT_TRUE(streams[kStreams + p]->Create(1, "w/", "w0", start));
  }
  auto all_created = [&] {
    int created = 0;
    for (auto& s : streams) created += s->created();
    return created == kKeys + kPrefixWatchers;
  };
  ASSERT_TRUE(WaitFor(all_created, std::chrono::seconds(120))) << cluster_->LogTail(0);
  long rss_watching = RssKiB(pid);

  std::vector<int64_t> first = PutInTxns(kv_.get(), 0, kKeys, kPerTxn, "v0");
  std::vector<int64_t> second = PutInTxns(kv_.get(), 0, kKeys, kPerTxn, "v1");
  ASSERT_EQ(first.size(), static_cast<size_t>(kKeys / kPerTxn));
  ASSERT_EQ(second.size(), first.size());

  const int64_t expected = int64_t{kKeys} * 2 * (1 + kPrefixWatchers);
  auto delivered = [&] {
    int64_t n = 0;
    for (auto& s : streams) n += s->events();
    return n >= expected;
  };
  ASSERT_TRUE(WaitFor(delivered, std::chrono::seconds(180))) << cluster_->LogTail(0);
  long rss_after = RssKiB(pid);

  // Key watchers: exactly v0 then v1, at the revisions their Txns returned.
  for (int s = 0; s < kStreams; ++s) {
    EXPECT_FALSE(streams[s]->failed()) << "stream " << s << " had a watcher cancelled";
    auto seen = streams[s]->seen();
    ASSERT_EQ(seen.size(), static_cast<size_t>(kPerStream)) << "stream " << s;
    for (int j = 0; j < kPerStream; ++j) {
      int key = s * kPerStream + j;
      const auto& events = seen[j + 1];
      ASSERT_EQ(events.size(), 2u) << KeyName(key);
      EXPECT_EQ(events[0].key, KeyName(key));
      EXPECT_EQ(events[0].value, "v0");
      EXPECT_EQ(events[0].revision, first[key / kPerTxn]);
      EXPECT_EQ(events[1].value, "v1");
      EXPECT_EQ(events[1].revision, second[key / kPerTxn]);
    }
  }
  // Prefix watchers: every put once, in revision order (keys in order within one).
  for (int p = 0; p < kPrefixWatchers; ++p) {
    auto seen = streams[kStreams + p]->seen();
    const auto& events = seen[1];
    ASSERT_EQ(events.size(), static_cast<size_t>(2 * kKeys)) << "prefix watcher " << p;
    EXPECT_TRUE(std::is_sorted(events.begin(), events.end())) << "prefix watcher " << p;
    std::set<WatchStream::Seen> unique(events.begin(), events.end());
    EXPECT_EQ(unique.size(), events.size()) << "prefix watcher " << p << " saw repeats";
  }
  // No watcher got anything beyond what was written.
  int64_t total = 0;
  for (auto& s : streams) total += s->events();
  EXPECT_EQ(total, expected);

  RecordProperty("rss_kib_before", std::to_string(rss_before));
  RecordProperty("rss_kib_10000_watchers", std::to_string(rss_watching));
  RecordProperty("rss_kib_after_events", std::to_string(rss_after));
  std::cout << "watch load: RSS " << rss_before / 1024 << " MiB before, " << rss_watching / 1024
            << " MiB with " << kKeys + kPrefixWatchers << " watchers, " << rss_after / 1024
            << " MiB after " << total << " events\n";
  // A bound that only a leak or an unbounded buffer would cross.
  EXPECT_LT(rss_after - rss_before, 1024L * 1024) << "watchers cost over 1 GiB";
}

// 100,000 keys attached to 100 leases that are never kept alive: all of them
// expire, and every member ends with none of the keys and none of the leases.
TEST_F(LoadTest, HundredThousandLeasedKeysAllExpire) {
  constexpr int kLeases = 100;
  constexpr int kKeysPerLease = 1000;
  constexpr int kTtlSeconds = 30;  // Outlasts loading on a loaded 2-core machine.
  auto lease = etcdserverpb::Lease::NewStub(channel_);
  pid_t pid = cluster_->member(0).pid;
  long rss_before = RssKiB(pid);

  std::vector<int64_t> ids;
  for (int l = 0; l < kLeases; ++l) {
    etcdserverpb::LeaseGrantRequest grant;
    grant.set_ttl(kTtlSeconds);
    etcdserverpb::LeaseGrantResponse granted;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Status s = lease->LeaseGrant(&ctx, grant, &granted);
    ASSERT_TRUE(s.ok()) << s.error_message();
    ids.push_back(granted.id());
  }
  auto load_start = Clock::now();
  for (int l = 0; l < kLeases; ++l) {
    ASSERT_FALSE(
        PutInTxns(kv_.get(), l * kKeysPerLease, kKeysPerLease, 125, "leased", ids[l], "lk/")
            .empty());
  }
  auto load_time = Clock::now() - load_start;
  EtcdClient client(cluster_->member(0).client_endpoint());
  int64_t loaded = CountPrefix(client, "lk/", /*serializable=*/false);
  long rss_loaded = RssKiB(pid);
  // Keys can only be missing here if loading outlasted the TTL.
  if (load_time < std::chrono::seconds(kTtlSeconds)) {
    EXPECT_EQ(loaded, int64_t{kLeases} * kKeysPerLease);
  }

  // Every member converges on zero keys and zero leases.
  for (int i = 0; i < cluster_->size(); ++i) {
    EtcdClient member(cluster_->member(i).client_endpoint());
    EXPECT_TRUE(WaitFor([&] { return CountPrefix(member, "lk/", /*serializable=*/true) == 0; },
                        std::chrono::seconds(180)))
        << "member " << i << " still holds " << CountPrefix(member, "lk/", true) << " keys\n"
        << cluster_->LogTail(i);
  }
  etcdserverpb::LeaseLeasesResponse leases;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  ASSERT_TRUE(lease->LeaseLeases(&ctx, etcdserverpb::LeaseLeasesRequest(), &leases).ok());
  EXPECT_EQ(leases.leases_size(), 0);
  long rss_after = RssKiB(pid);

  RecordProperty("rss_kib_before", std::to_string(rss_before));
  RecordProperty("rss_kib_100000_leased_keys", std::to_string(rss_loaded));
  RecordProperty("rss_kib_after_expiry", std::to_string(rss_after));
  std::cout << "lease load: " << loaded << " keys loaded in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(load_time).count()
            << " ms; RSS " << rss_before / 1024 << " MiB before, " << rss_loaded / 1024
            << " MiB loaded, " << rss_after / 1024 << " MiB after expiry\n";
}

}  // namespace
}  // namespace strata::testing

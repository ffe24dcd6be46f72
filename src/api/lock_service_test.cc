// The Lock and Election services over an in-memory KV (a real Applier,
// MvccStore and WatchHub, answered on a worker thread like EtcdKv), called
// through an in-process gRPC channel.
#include "api/lock_service.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "api/election_service.h"
#include "api/etcd_status.h"
#include "api/executor.h"
#include "kv/applier.h"
#include "kv/etcd_validate.h"
#include "storage/memory_engine.h"

namespace strata::api {
namespace {

using etcdserverpb::RangeRequest;
using etcdserverpb::RangeResponse;
using etcdserverpb::TxnResponse;

constexpr auto kWait = std::chrono::seconds(20);

// Polls pred until it holds or kWait passes.
bool Eventually(const std::function<bool()>& pred) {
  auto deadline = std::chrono::steady_clock::now() + kWait;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

// A single-member etcd KV: requests apply in order on one worker thread,
// which also publishes their events, as the raft loop does.
class MemoryKv final : public KvFrontend {
 public:
  MemoryKv()
      : store_(kv::MvccStore::Open(&engine_).value()), applier_(store_.get()), hub_(store_.get()) {}
  ~MemoryKv() override { worker_.reset(); }

  void Range(const Caller&, const RangeRequest& r, Done<RangeResponse> done) override {
    Serve<RangeResponse>(std::move(done), [this, r]() -> Result<RangeResponse> {
      STRATA_RETURN_IF_ERROR(kv::ValidateRange(r));
      return applier_.Range(r);
    });
  }
  void Put(const Caller&, const etcdserverpb::PutRequest& r,
           Done<etcdserverpb::PutResponse> done) override {
    requestpb::InternalRequest internal;
    *internal.mutable_put() = r;
    Serve<etcdserverpb::PutResponse>(
        std::move(done), [this, internal] { return Apply<etcdserverpb::PutResponse>(internal); });
  }
  void DeleteRange(const Caller&, const etcdserverpb::DeleteRangeRequest& r,
                   Done<etcdserverpb::DeleteRangeResponse> done) override {
    requestpb::InternalRequest internal;
    *internal.mutable_delete_range() = r;
    Serve<etcdserverpb::DeleteRangeResponse>(
        std::move(done), [this, internal]() -> Result<etcdserverpb::DeleteRangeResponse> {
          STRATA_RETURN_IF_ERROR(kv::ValidateDeleteRange(internal.delete_range()));
          return Apply<etcdserverpb::DeleteRangeResponse>(internal);
        });
  }
  void Txn(const Caller&, const etcdserverpb::TxnRequest& r, Done<TxnResponse> done) override {
    txns_++;
    Serve<TxnResponse>(std::move(done), [this, r]() -> Result<TxnResponse> {
      STRATA_RETURN_IF_ERROR(kv::ValidateTxn(r));
      if (kv::IsTxnReadOnly(r)) return applier_.ReadOnlyTxn(r);
      requestpb::InternalRequest internal;
      *internal.mutable_txn() = r;
      return Apply<TxnResponse>(internal);
    });
  }
  void Compact(const Caller&, const etcdserverpb::CompactionRequest&,
               Done<etcdserverpb::CompactionResponse> done) override {
    done(Status::Internal("not used"));
  }

  void Grant(int64_t id, int64_t ttl = 60) {
    requestpb::InternalRequest internal;
    internal.mutable_lease_grant()->set_id(id);
    internal.mutable_lease_grant()->set_ttl(ttl);
    ASSERT_TRUE(Sync<etcdserverpb::LeaseGrantResponse>(internal).ok());
  }
  void Revoke(int64_t id) {
    requestpb::InternalRequest internal;
    internal.mutable_lease_revoke()->set_id(id);
    ASSERT_TRUE(Sync<etcdserverpb::LeaseRevokeResponse>(internal).ok());
  }
  // The keys under prefix, oldest first.
  std::vector<mvccpb::KeyValue> Keys(const std::string& prefix) {
    auto r = applier_.Range(FirstCreatedAll(prefix));
    EXPECT_TRUE(r.ok());
    return {r->kvs().begin(), r->kvs().end()};
  }
  kv::WatchHub* hub() { return &hub_; }
  int txns() const { return txns_.load(); }

 private:
  static RangeRequest FirstCreatedAll(const std::string& prefix) {
    RangeRequest r = FirstCreated(prefix);
    r.set_limit(0);
    return r;
  }

  template <typename T>
  void Serve(Done<T> done, std::function<Result<T>()> work) {
    worker_->submit([done = std::move(done), work = std::move(work)] {
      Result<T> r = work();
      if (!r.ok()) return done(ToEtcdStatus(r.status()));
      r->mutable_header()->set_cluster_id(1);
      r->mutable_header()->set_member_id(2);
      r->mutable_header()->set_raft_term(3);
      done(std::move(r));
    });
  }

  // Runs on the worker thread only.
  template <typename T>
  Result<T> Apply(const requestpb::InternalRequest& request) {
    Result<kv::ApplyResponse> applied = applier_.Apply(request, storage::WriteBatch());
    if (!applied.ok()) return applied.status();
    if (!applied->error.ok()) return applied->error;
    if (!applied->events.empty()) {
      hub_.Publish(applied->events.front().kv.mod_revision, applied->events);
    }
    T* response = std::get_if<T>(&applied->response);
    if (response == nullptr) return Status::Internal("wrong response kind");
    return std::move(*response);
  }

  template <typename T>
  Result<T> Sync(const requestpb::InternalRequest& request) {
    std::promise<Result<T>> result;
    worker_->submit([&] { result.set_value(Apply<T>(request)); });
    return result.get_future().get();
  }

  storage::MemoryEngine engine_;
  std::unique_ptr<kv::MvccStore> store_;
  kv::Applier applier_;
  kv::WatchHub hub_;
  std::atomic<int> txns_{0};
  std::unique_ptr<Executor> worker_ = std::make_unique<Executor>(1);
};

class ConcurrencyTest : public ::testing::Test {
 protected:
  ConcurrencyTest() {
    deps_.kv = &kv_;
    deps_.hub = kv_.hub();
    deps_.fill_header = [](etcdserverpb::ResponseHeader* h) {
      h->set_cluster_id(1);
      h->set_member_id(2);
      h->set_raft_term(3);
    };
    deps_.has_leader = [this] { return has_leader_.load(); };
    deps_.grant_lease = [this](int64_t ttl, Done<int64_t> done) {
      granted_ttl_ = ttl;
      kv_.Grant(0x600d, ttl);
      done(int64_t{0x600d});
    };
    lock_ = std::make_unique<LockService>(deps_);
    election_ = std::make_unique<ElectionService>(deps_);
    grpc::ServerBuilder builder;
    builder.RegisterService(lock_.get());
    builder.RegisterService(election_.get());
    server_ = builder.BuildAndStart();
    channel_ = server_->InProcessChannel(grpc::ChannelArguments());
    locks_ = v3lockpb::Lock::NewStub(channel_);
    elections_ = v3electionpb::Election::NewStub(channel_);
  }
  ~ConcurrencyTest() override {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }

  static void Deadline(grpc::ClientContext* ctx) {
    ctx->set_deadline(std::chrono::system_clock::now() + kWait);
  }

  grpc::Status Lock(const std::string& name, int64_t lease, v3lockpb::LockResponse* out) {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v3lockpb::LockRequest request;
    request.set_name(name);
    request.set_lease(lease);
    return locks_->Lock(&ctx, request, out);
  }
  grpc::Status Unlock(const std::string& key) {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v3lockpb::UnlockRequest request;
    request.set_key(key);
    v3lockpb::UnlockResponse response;
    return locks_->Unlock(&ctx, request, &response);
  }

  // A Lock call in the background.
  struct PendingLock {
    grpc::ClientContext ctx;
    v3lockpb::LockRequest request;
    v3lockpb::LockResponse response;
    std::promise<grpc::Status> status;
    std::future<grpc::Status> done = status.get_future();
    bool Finished() { return done.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }
  };
  std::unique_ptr<PendingLock> StartLock(const std::string& name, int64_t lease) {
    auto p = std::make_unique<PendingLock>();
    Deadline(&p->ctx);
    p->request.set_name(name);
    p->request.set_lease(lease);
    locks_->async()->Lock(&p->ctx, &p->request, &p->response,
                          [raw = p.get()](grpc::Status s) { raw->status.set_value(s); });
    return p;
  }

  // A Campaign call in the background.
  struct PendingCampaign {
    grpc::ClientContext ctx;
    v3electionpb::CampaignRequest request;
    v3electionpb::CampaignResponse response;
    std::promise<grpc::Status> status;
    std::future<grpc::Status> done = status.get_future();
    bool Finished() { return done.wait_for(std::chrono::seconds(0)) == std::future_status::ready; }
  };
  std::unique_ptr<PendingCampaign> StartCampaign(const std::string& name, int64_t lease,
                                                 const std::string& value) {
    auto p = std::make_unique<PendingCampaign>();
    Deadline(&p->ctx);
    p->request.set_name(name);
    p->request.set_lease(lease);
    p->request.set_value(value);
    elections_->async()->Campaign(&p->ctx, &p->request, &p->response,
                                  [raw = p.get()](grpc::Status s) { raw->status.set_value(s); });
    return p;
  }
  grpc::Status Campaign(const std::string& name, int64_t lease, const std::string& value,
                        v3electionpb::LeaderKey* leader) {
    auto p = StartCampaign(name, lease, value);
    grpc::Status s = p->done.get();
    *leader = p->response.leader();
    return s;
  }
  grpc::Status Leader(const std::string& name, v3electionpb::LeaderResponse* out) {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v3electionpb::LeaderRequest request;
    request.set_name(name);
    return elections_->Leader(&ctx, request, out);
  }
  grpc::Status Proclaim(const v3electionpb::LeaderKey& leader, const std::string& value) {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v3electionpb::ProclaimRequest request;
    *request.mutable_leader() = leader;
    request.set_value(value);
    v3electionpb::ProclaimResponse response;
    return elections_->Proclaim(&ctx, request, &response);
  }
  grpc::Status Resign(const v3electionpb::LeaderKey& leader) {
    grpc::ClientContext ctx;
    Deadline(&ctx);
    v3electionpb::ResignRequest request;
    *request.mutable_leader() = leader;
    v3electionpb::ResignResponse response;
    return elections_->Resign(&ctx, request, &response);
  }

  // Waits until name has `count` keys (waiters registered).
  bool WaitKeys(const std::string& name, size_t count) {
    return Eventually([&] { return kv_.Keys(name + "/").size() == count; });
  }

  MemoryKv kv_;
  ConcurrencyDeps deps_;
  std::atomic<bool> has_leader_{true};
  int64_t granted_ttl_ = 0;
  std::unique_ptr<LockService> lock_;
  std::unique_ptr<ElectionService> election_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v3lockpb::Lock::Stub> locks_;
  std::unique_ptr<v3electionpb::Election::Stub> elections_;
};

TEST(OwnerKeyTest, IsNameSlashLeaseInLowercaseHex) {
  EXPECT_EQ(OwnerKey("jobs", 0x694d77aa9e38260f), "jobs/694d77aa9e38260f");
  EXPECT_EQ(OwnerKey("", 255), "/ff");
  EXPECT_EQ(OwnerKey("x", -26), "x/-1a");  // Go's %x of a negative id.
}

TEST(PrefixRangeEndTest, IncrementsTheLastByteBelowFF) {
  EXPECT_EQ(PrefixRangeEnd("a/"), "a0");
  EXPECT_EQ(PrefixRangeEnd(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixRangeEnd(std::string("\xff\xff", 2)), std::string(1, '\0'));
}

TEST(ConcurrencyGrpcStatusTest, IsUnknownWithEtcdsMessage) {
  grpc::Status s = ConcurrencyGrpcStatus(Status::NotFound("etcdserver: requested lease not found"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(s.error_message(), "etcdserver: requested lease not found");
  EXPECT_TRUE(ConcurrencyGrpcStatus(Status::Ok()).ok());
}

TEST_F(ConcurrencyTest, UncontendedLockAnswersItsKeyInOneTransaction) {
  kv_.Grant(0x1a2b);
  v3lockpb::LockResponse response;
  ASSERT_TRUE(Lock("jobs", 0x1a2b, &response).ok());
  EXPECT_EQ(response.key(), "jobs/1a2b");
  auto keys = kv_.Keys("jobs/");
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].lease(), 0x1a2b);
  EXPECT_EQ(keys[0].value(), "");
  EXPECT_EQ(response.header().revision(), keys[0].create_revision());
  EXPECT_EQ(response.header().member_id(), 2u);
  EXPECT_EQ(kv_.txns(), 1);
}

TEST_F(ConcurrencyTest, SecondContenderWaitsForUnlock) {
  kv_.Grant(1);
  kv_.Grant(2);
  v3lockpb::LockResponse first;
  ASSERT_TRUE(Lock("m", 1, &first).ok());
  auto second = StartLock("m", 2);
  ASSERT_TRUE(WaitKeys("m", 2));
  EXPECT_FALSE(second->Finished());
  ASSERT_TRUE(Unlock(first.key()).ok());
  ASSERT_TRUE(second->done.get().ok());
  EXPECT_EQ(second->response.key(), "m/2");
  auto keys = kv_.Keys("m/");
  ASSERT_EQ(keys.size(), 1u);
  // The fencing token grows, and the answer is no older than the unlock.
  EXPECT_GT(keys[0].create_revision(), first.header().revision());
  EXPECT_GT(second->response.header().revision(), keys[0].create_revision());
}

TEST_F(ConcurrencyTest, RevokingTheHoldersLeaseHandsTheLockOver) {
  kv_.Grant(1);
  kv_.Grant(2);
  v3lockpb::LockResponse first;
  ASSERT_TRUE(Lock("m", 1, &first).ok());
  auto second = StartLock("m", 2);
  ASSERT_TRUE(WaitKeys("m", 2));
  kv_.Revoke(1);
  ASSERT_TRUE(second->done.get().ok());
  EXPECT_EQ(second->response.key(), "m/2");
}

TEST_F(ConcurrencyTest, WaitsThroughEveryEarlierContender) {
  for (int64_t id : {1, 2, 3}) kv_.Grant(id);
  v3lockpb::LockResponse first;
  ASSERT_TRUE(Lock("m", 1, &first).ok());
  auto second = StartLock("m", 2);
  ASSERT_TRUE(WaitKeys("m", 2));
  auto third = StartLock("m", 3);
  ASSERT_TRUE(WaitKeys("m", 3));
  // The third waits on the second; the second leaving is not enough.
  second->ctx.TryCancel();
  EXPECT_EQ(second->done.get().error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(WaitKeys("m", 2));
  EXPECT_FALSE(third->Finished());
  ASSERT_TRUE(Unlock(first.key()).ok());
  ASSERT_TRUE(third->done.get().ok());
  EXPECT_EQ(third->response.key(), "m/3");
}

TEST_F(ConcurrencyTest, CancelledWaitLeavesNoKey) {
  kv_.Grant(1);
  kv_.Grant(2);
  v3lockpb::LockResponse first;
  ASSERT_TRUE(Lock("m", 1, &first).ok());
  auto second = StartLock("m", 2);
  ASSERT_TRUE(WaitKeys("m", 2));
  second->ctx.TryCancel();
  EXPECT_EQ(second->done.get().error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(WaitKeys("m", 1));
  EXPECT_EQ(kv_.Keys("m/")[0].key(), "m/1");
}

TEST_F(ConcurrencyTest, LeaseExpiringWhileWaitingFailsTheLock) {
  kv_.Grant(1);
  kv_.Grant(2);
  v3lockpb::LockResponse first;
  ASSERT_TRUE(Lock("m", 1, &first).ok());
  auto second = StartLock("m", 2);
  ASSERT_TRUE(WaitKeys("m", 2));
  kv_.Revoke(2);
  grpc::Status s = second->done.get();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(s.error_message(), "mutex: session is expired");
  EXPECT_EQ(kv_.Keys("m/").size(), 1u);
}

TEST_F(ConcurrencyTest, UnknownLeaseFailsAsEtcdDoes) {
  v3lockpb::LockResponse response;
  grpc::Status s = Lock("m", 77, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(s.error_message(), "etcdserver: requested lease not found");
  EXPECT_TRUE(kv_.Keys("m/").empty());
}

TEST_F(ConcurrencyTest, LockingAgainWithTheSameLeaseReusesTheKey) {
  kv_.Grant(5);
  v3lockpb::LockResponse a, b;
  ASSERT_TRUE(Lock("m", 5, &a).ok());
  ASSERT_TRUE(Lock("m", 5, &b).ok());
  EXPECT_EQ(a.key(), b.key());
  EXPECT_EQ(kv_.Keys("m/").size(), 1u);
  EXPECT_EQ(b.header().revision(), a.header().revision());  // Nothing was written.
}

TEST_F(ConcurrencyTest, LeaseZeroGetsAGrantedSessionLease) {
  v3lockpb::LockResponse response;
  ASSERT_TRUE(Lock("m", 0, &response).ok());
  EXPECT_EQ(response.key(), "m/600d");
  EXPECT_EQ(granted_ttl_, kDefaultSessionTtlSeconds);
  deps_.grant_lease = nullptr;
  LockService without(deps_);
  grpc::ServerBuilder builder;
  builder.RegisterService(&without);
  auto server = builder.BuildAndStart();
  auto stub = v3lockpb::Lock::NewStub(server->InProcessChannel(grpc::ChannelArguments()));
  grpc::ClientContext ctx;
  Deadline(&ctx);
  v3lockpb::LockRequest request;
  request.set_name("n");
  grpc::Status s = stub->Lock(&ctx, request, &response);
  EXPECT_EQ(s.error_message(), "etcdserver: requested lease not found");
  server->Shutdown();
}

TEST_F(ConcurrencyTest, UnlockAnswersTheHeaderAndChecksTheKey) {
  EXPECT_TRUE(Unlock("absent/1").ok());
  grpc::Status s = Unlock("");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(s.error_message(), "etcdserver: key is not provided");
}

TEST_F(ConcurrencyTest, RequireLeaderRefusesWithoutALeader) {
  has_leader_ = false;
  grpc::ClientContext ctx;
  Deadline(&ctx);
  ctx.AddMetadata("hasleader", "true");
  v3lockpb::LockRequest request;
  v3lockpb::LockResponse response;
  grpc::Status s = locks_->Lock(&ctx, request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(s.error_message(), "etcdserver: no leader");
  v3lockpb::LockResponse ignored;
  EXPECT_EQ(Lock("m", 9, &ignored).error_message(), "etcdserver: requested lease not found");
}

TEST_F(ConcurrencyTest, CampaignLeaderProclaimResign) {
  kv_.Grant(0xa);
  v3electionpb::LeaderResponse none;
  grpc::Status s = Leader("e", &none);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(s.error_message(), "election: no leader");

  v3electionpb::LeaderKey leader;
  ASSERT_TRUE(Campaign("e", 0xa, "alpha", &leader).ok());
  EXPECT_EQ(leader.name(), "e");
  EXPECT_EQ(leader.key(), "e/a");
  EXPECT_EQ(leader.lease(), 0xa);
  v3electionpb::LeaderResponse current;
  ASSERT_TRUE(Leader("e", &current).ok());
  EXPECT_EQ(current.kv().value(), "alpha");
  EXPECT_EQ(current.kv().create_revision(), leader.rev());

  ASSERT_TRUE(Proclaim(leader, "beta").ok());
  ASSERT_TRUE(Leader("e", &current).ok());
  EXPECT_EQ(current.kv().value(), "beta");
  EXPECT_EQ(current.kv().lease(), 0xa);

  v3electionpb::LeaderKey stale = leader;
  stale.set_rev(leader.rev() + 100);
  s = Proclaim(stale, "gamma");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(s.error_message(), "election: not leader");
  EXPECT_TRUE(Resign(stale).ok());  // Not the leader: nothing happens.
  EXPECT_EQ(kv_.Keys("e/").size(), 1u);

  ASSERT_TRUE(Resign(leader).ok());
  EXPECT_TRUE(kv_.Keys("e/").empty());
}

TEST_F(ConcurrencyTest, MissingLeaderFieldIsRefused) {
  grpc::ClientContext ctx;
  Deadline(&ctx);
  v3electionpb::ProclaimResponse response;
  grpc::Status s = elections_->Proclaim(&ctx, v3electionpb::ProclaimRequest(), &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNKNOWN);
  EXPECT_EQ(s.error_message(), "\"leader\" field must be provided");
}

TEST_F(ConcurrencyTest, NextCandidateLeadsAfterResign) {
  kv_.Grant(1);
  kv_.Grant(2);
  v3electionpb::LeaderKey first;
  ASSERT_TRUE(Campaign("e", 1, "one", &first).ok());
  auto second = StartCampaign("e", 2, "two");
  ASSERT_TRUE(WaitKeys("e", 2));
  EXPECT_FALSE(second->Finished());
  ASSERT_TRUE(Resign(first).ok());
  ASSERT_TRUE(second->done.get().ok());
  EXPECT_EQ(second->response.leader().key(), "e/2");
  // The answer carries the header of the campaign's own write.
  EXPECT_EQ(second->response.header().revision(), second->response.leader().rev());
  v3electionpb::LeaderResponse current;
  ASSERT_TRUE(Leader("e", &current).ok());
  EXPECT_EQ(current.kv().value(), "two");
}

TEST_F(ConcurrencyTest, CampaigningAgainProclaimsTheNewValue) {
  kv_.Grant(1);
  v3electionpb::LeaderKey a, b;
  ASSERT_TRUE(Campaign("e", 1, "old", &a).ok());
  ASSERT_TRUE(Campaign("e", 1, "new", &b).ok());
  EXPECT_EQ(a.rev(), b.rev());
  v3electionpb::LeaderResponse current;
  ASSERT_TRUE(Leader("e", &current).ok());
  EXPECT_EQ(current.kv().value(), "new");
}

TEST_F(ConcurrencyTest, CancelledCampaignResigns) {
  kv_.Grant(1);
  kv_.Grant(2);
  v3electionpb::LeaderKey first;
  ASSERT_TRUE(Campaign("e", 1, "one", &first).ok());
  auto second = StartCampaign("e", 2, "two");
  ASSERT_TRUE(WaitKeys("e", 2));
  second->ctx.TryCancel();
  EXPECT_EQ(second->done.get().error_code(), grpc::StatusCode::CANCELLED);
  ASSERT_TRUE(WaitKeys("e", 1));
}

TEST_F(ConcurrencyTest, ObserveFollowsValuesAndLeaders) {
  kv_.Grant(1);
  kv_.Grant(2);
  grpc::ClientContext ctx;
  Deadline(&ctx);
  v3electionpb::LeaderRequest request;
  request.set_name("e");
  auto reader = elections_->Observe(&ctx, request);
  // Nobody leads yet: the first candidate is the first answer.
  v3electionpb::LeaderKey first;
  ASSERT_TRUE(Campaign("e", 1, "one", &first).ok());
  v3electionpb::LeaderResponse seen;
  ASSERT_TRUE(reader->Read(&seen));
  EXPECT_EQ(seen.kv().value(), "one");
  EXPECT_EQ(seen.header().revision(), first.rev());
  ASSERT_TRUE(Proclaim(first, "one'").ok());
  ASSERT_TRUE(reader->Read(&seen));
  EXPECT_EQ(seen.kv().value(), "one'");
  auto second = StartCampaign("e", 2, "two");
  ASSERT_TRUE(WaitKeys("e", 2));
  kv_.Revoke(1);  // The leader's lease ends.
  ASSERT_TRUE(second->done.get().ok());
  ASSERT_TRUE(reader->Read(&seen));
  EXPECT_EQ(seen.kv().key(), "e/2");
  EXPECT_EQ(seen.kv().value(), "two");
  ctx.TryCancel();
  while (reader->Read(&seen)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(ConcurrencyTest, ObserveStartsWithTheCurrentLeader) {
  kv_.Grant(1);
  v3electionpb::LeaderKey first;
  ASSERT_TRUE(Campaign("e", 1, "one", &first).ok());
  grpc::ClientContext ctx;
  Deadline(&ctx);
  v3electionpb::LeaderRequest request;
  request.set_name("e");
  auto reader = elections_->Observe(&ctx, request);
  v3electionpb::LeaderResponse seen;
  ASSERT_TRUE(reader->Read(&seen));
  EXPECT_EQ(seen.kv().key(), "e/1");
  EXPECT_EQ(seen.kv().value(), "one");
  ctx.TryCancel();
  while (reader->Read(&seen)) {
  }
  (void)reader->Finish();
}

}  // namespace
}  // namespace strata::api

#include "api/lock_service.h"

#include <cinttypes>
#include <cstdio>

#include "api/etcd_status.h"
#include "kv/etcd_errors.h"

namespace strata::api {
namespace {

constexpr std::string_view kRequireLeaderKey = "hasleader";
// A contender's wait reads its watch stream this much at a time.
constexpr size_t kTakeBytes = 64 << 10;

// The newest key under prefix created at or before max_create_revision
// (etcd's WithLastCreate + WithMaxCreateRev).
etcdserverpb::RangeRequest LastCreatedUpTo(const std::string& prefix, int64_t max_create_revision) {
  etcdserverpb::RangeRequest r;
  r.set_key(prefix);
  r.set_range_end(PrefixRangeEnd(prefix));
  r.set_sort_target(etcdserverpb::RangeRequest::CREATE);
  r.set_sort_order(etcdserverpb::RangeRequest::DESCEND);
  r.set_limit(1);
  r.set_max_create_revision(max_create_revision);
  return r;
}

etcdserverpb::Compare CreateRevisionIs(const std::string& key, int64_t revision) {
  etcdserverpb::Compare c;
  c.set_key(key);
  c.set_target(etcdserverpb::Compare::CREATE);
  c.set_result(etcdserverpb::Compare::EQUAL);
  c.set_create_revision(revision);
  return c;
}

etcdserverpb::RangeRequest Get(const std::string& key) {
  etcdserverpb::RangeRequest r;
  r.set_key(key);
  return r;
}

// Why a watch ended before the event it waited for (etcd's waitDelete).
Status WatchLost(const kv::WatchResponse& r) {
  if (r.compact_revision != 0) return kv::MakeEtcdError(kv::EtcdError::kCompacted);
  // Not kUnavailable: ToEtcdStatus would turn that into "no leader".
  return Status::FailedPrecondition(r.cancel_reason.empty() ? "lost watcher waiting for delete"
                                                            : r.cancel_reason);
}

}  // namespace

std::string OwnerKey(std::string_view name, int64_t lease) {
  uint64_t magnitude = lease < 0 ? ~static_cast<uint64_t>(lease) + 1 : static_cast<uint64_t>(lease);
  char hex[24];
  std::snprintf(hex, sizeof(hex), "%s%" PRIx64, lease < 0 ? "-" : "", magnitude);
  std::string key(name);
  key += '/';
  key += hex;
  return key;
}

std::string PrefixRangeEnd(std::string_view prefix) {
  std::string end(prefix);
  for (size_t i = end.size(); i > 0; --i) {
    if (static_cast<unsigned char>(end[i - 1]) < 0xff) {
      end[i - 1] = static_cast<char>(static_cast<unsigned char>(end[i - 1]) + 1);
      end.resize(i);
      return end;
    }
  }
  return std::string(1, '\0');
}

etcdserverpb::RangeRequest FirstCreated(const std::string& prefix) {
  etcdserverpb::RangeRequest r;
  r.set_key(prefix);
  r.set_range_end(PrefixRangeEnd(prefix));
  r.set_sort_target(etcdserverpb::RangeRequest::CREATE);
  r.set_sort_order(etcdserverpb::RangeRequest::ASCEND);
  r.set_limit(1);
  return r;
}

grpc::Status ConcurrencyGrpcStatus(const Status& s) {
  if (s.ok()) return grpc::Status::OK;
  return grpc::Status(grpc::StatusCode::UNKNOWN, ToEtcdStatus(s).message());
}

grpc::Status Admit(const grpc::CallbackServerContext* context, const ConcurrencyDeps& deps,
                   Caller* caller) {
  const auto& metadata = context->client_metadata();
  auto it = metadata.find(grpc::string_ref(kRequireLeaderKey.data(), kRequireLeaderKey.size()));
  if (it != metadata.end() && it->second == "true" && deps.has_leader && !deps.has_leader()) {
    return ToGrpcStatus(kv::MakeEtcdError(kv::EtcdError::kNoLeader));
  }
  *caller = Caller{};
  if (!deps.authenticate) return grpc::Status::OK;
  Result<Caller> who = deps.authenticate(*context);
  if (!who.ok()) return ToGrpcStatus(who.status());
  *caller = std::move(who).value();
  return grpc::Status::OK;
}

void Serializer::Post(std::function<void()> task) {
  std::unique_lock lock(mu_);
  tasks_.push_back(std::move(task));
  if (running_) return;
  running_ = true;
  while (!tasks_.empty()) {
    std::function<void()> next = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    next();
    next = nullptr;  // What the task holds goes before the lock is taken again.
    lock.lock();
  }
  running_ = false;
}

Contender::Contender(const ConcurrencyDeps* deps, ContendOptions options, Done<Ownership> done)
    : deps_(deps), options_(std::move(options)), done_(std::move(done)) {}

std::shared_ptr<Contender> Contender::Start(const ConcurrencyDeps* deps, ContendOptions options,
                                            Done<Ownership> done) {
  auto contender = std::make_shared<Contender>(deps, std::move(options), std::move(done));
  contender->Step([](Contender* c) { c->Begin(); });
  return contender;
}

template <typename F>
void Contender::Step(F f) {
  // `self` keeps the serializer alive through Post even when a task it
  // runs drops the last other reference (the finished gRPC call's).
  std::shared_ptr<Contender> self = shared_from_this();
  serial_.Post([self, f = std::move(f)]() mutable { f(self.get()); });
}

void Contender::Cancel() {
  Step([](Contender* c) { c->OnCancel(); });
}

void Contender::Begin() {
  if (cancelled_) return;
  if (options_.lease != 0) {
    lease_ = options_.lease;
    return Acquire();
  }
  // etcd's session grants a lease when the request names none.
  if (!deps_->grant_lease) return Answer(kv::MakeEtcdError(kv::EtcdError::kLeaseNotFound));
  in_flight_ = true;
  deps_->grant_lease(kDefaultSessionTtlSeconds, [self = shared_from_this()](Result<int64_t> id) {
    self->Step([id = std::move(id)](Contender* c) {
      c->in_flight_ = false;
      if (c->cancelled_) return;  // Nothing was created; the lease expires alone.
      if (!id.ok()) return c->Answer(id.status());
      c->lease_ = *id;
      c->Acquire();
    });
  });
}

// One transaction creates the key unless this lease has it already, and
// reads the owner, so an uncontended acquisition takes a single round.
void Contender::Acquire() {
  const std::string prefix = options_.name + "/";
  key_ = OwnerKey(options_.name, lease_);
  etcdserverpb::TxnRequest txn;
  *txn.add_compare() = CreateRevisionIs(key_, 0);
  auto* put = txn.add_success()->mutable_request_put();
  put->set_key(key_);
  put->set_value(options_.value);
  put->set_lease(lease_);
  *txn.add_success()->mutable_request_range() = FirstCreated(prefix);
  *txn.add_failure()->mutable_request_range() = Get(key_);
  *txn.add_failure()->mutable_request_range() = FirstCreated(prefix);
  in_flight_ = true;
  deps_->kv->Txn(
      options_.caller, txn, [self = shared_from_this()](Result<etcdserverpb::TxnResponse> r) {
        self->Step([r = std::move(r)](Contender* c) mutable { c->OnAcquired(std::move(r)); });
      });
}

void Contender::OnAcquired(Result<etcdserverpb::TxnResponse> r) {
  in_flight_ = false;
  if (!r.ok()) {
    if (!cancelled_) Answer(r.status());
    return;
  }
  create_header_ = r->header();
  create_revision_ = r->header().revision();
  if (cancelled_) {
    // Only a key this call created goes: the lease's earlier key may hold
    // the lock for another call.
    if (r->succeeded()) RemoveKey(options_.kind == ContendOptions::Kind::kElection);
    return;
  }
  if (!r->succeeded()) {
    const auto& mine = r->responses(0).response_range().kvs();
    if (mine.empty()) {  // Cannot happen: the compare saw the key.
      return Answer(Status::Internal("lock key vanished inside its transaction"));
    }
    create_revision_ = mine[0].create_revision();
    if (options_.kind == ContendOptions::Kind::kElection && mine[0].value() != options_.value) {
      // Campaigning again with another value proclaims it first (etcd).
      etcdserverpb::TxnRequest proclaim;
      *proclaim.add_compare() = CreateRevisionIs(key_, create_revision_);
      auto* put = proclaim.add_success()->mutable_request_put();
      put->set_key(key_);
      put->set_value(options_.value);
      put->set_lease(lease_);
      in_flight_ = true;
      deps_->kv->Txn(
          options_.caller, proclaim,
          [self = shared_from_this()](Result<etcdserverpb::TxnResponse> p) {
            self->Step([p = std::move(p)](Contender* c) mutable { c->OnProclaimed(std::move(p)); });
          });
      return;
    }
  }
  const auto& owner = r->responses(1).response_range().kvs();
  if (owner.empty() || owner[0].create_revision() == create_revision_) {
    return Answer(Ownership{key_, create_revision_, lease_, create_header_});
  }
  Check();
}

void Contender::OnProclaimed(Result<etcdserverpb::TxnResponse> r) {
  in_flight_ = false;
  if (cancelled_ || !r.ok()) {
    RemoveKey(/*conditional=*/true);  // etcd resigns when proclaiming fails.
    if (!cancelled_) Answer(r.status());
    return;
  }
  if (!r->succeeded())
    return Answer(Status::FailedPrecondition(std::string(kErrElectionNotLeader)));
  Check();
}

void Contender::Check() {
  etcdserverpb::TxnRequest read;
  *read.add_success()->mutable_request_range() = Get(key_);
  *read.add_success()->mutable_request_range() =
      LastCreatedUpTo(options_.name + "/", create_revision_ - 1);
  in_flight_ = true;
  deps_->kv->Txn(
      options_.caller, read, [self = shared_from_this()](Result<etcdserverpb::TxnResponse> r) {
        self->Step([r = std::move(r)](Contender* c) mutable { c->OnChecked(std::move(r)); });
      });
}

void Contender::OnChecked(Result<etcdserverpb::TxnResponse> r) {
  in_flight_ = false;
  const bool election = options_.kind == ContendOptions::Kind::kElection;
  if (cancelled_) return RemoveKey(election);
  if (!r.ok()) return FailWaiting(r.status());
  const auto& mine = r->responses(0).response_range().kvs();
  if (mine.empty() || mine[0].create_revision() != create_revision_) {
    // The key went with its lease (or was deleted): this wait can never
    // win. etcd 3.5's Mutex reports it the same way.
    return Answer(Status::FailedPrecondition(
        std::string(election ? kErrElectionNotLeader : kErrSessionExpired)));
  }
  const auto& before = r->responses(1).response_range().kvs();
  if (before.empty()) {
    return Answer(
        Ownership{key_, create_revision_, lease_, election ? create_header_ : r->header()});
  }
  WatchDeletes(before[0].key(), r->header().revision() + 1);
}

// Waits for the deletion of the newest earlier key, or of the own key.
// Either ends this round; Check() then decides.
void Contender::WatchDeletes(const std::string& predecessor, int64_t from_revision) {
  std::weak_ptr<Contender> weak = weak_from_this();
  stream_ = deps_->hub->OpenStream([weak] {
    if (auto c = weak.lock()) c->Step([](Contender* self) { self->OnWatchReady(); });
  });
  for (const std::string& key : {predecessor, key_}) {
    kv::WatchSpec spec;
    spec.key = key;
    spec.start_revision = from_revision;
    spec.no_put = true;
    Result<kv::WatchId> id = stream_->Watch(std::nullopt, std::move(spec));
    if (!id.ok()) {
      stream_.reset();
      return FailWaiting(id.status());
    }
  }
}

void Contender::OnWatchReady() {
  while (stream_) {
    std::vector<kv::WatchResponse> responses = stream_->Take(kTakeBytes);
    if (responses.empty()) return;
    for (const kv::WatchResponse& r : responses) {
      if (r.canceled) {
        stream_.reset();
        return FailWaiting(WatchLost(r));
      }
      if (!r.events.empty()) {  // A deletion (puts are filtered out).
        stream_.reset();
        return Check();
      }
    }
  }
}

void Contender::OnCancel() {
  if (!done_) return;
  cancelled_ = true;
  Answer(Status::Cancelled("context canceled"));
  // A pending call cleans up when it returns; a wait is dropped here.
  if (stream_) {
    stream_.reset();
    RemoveKey(options_.kind == ContendOptions::Kind::kElection);
    return;
  }
  STRATA_ASSERT_MSG(in_flight_, "an unanswered contender waits on a call or a watch");
}

void Contender::FailWaiting(Status s) {
  // etcd's Mutex unlocks after a failed wait; its Election keeps the key
  // unless the caller cancelled.
  if (options_.kind == ContendOptions::Kind::kMutex) RemoveKey(/*conditional=*/false);
  Answer(std::move(s));
}

void Contender::RemoveKey(bool conditional) {
  auto ignore = [self = shared_from_this()](auto) {};
  if (!conditional) {
    etcdserverpb::DeleteRangeRequest del;
    del.set_key(key_);
    deps_->kv->DeleteRange(del, ignore);
    return;
  }
  // An election resigns: the key goes only if it is still this campaign's.
  etcdserverpb::TxnRequest resign;
  *resign.add_compare() = CreateRevisionIs(key_, create_revision_);
  resign.add_success()->mutable_request_delete_range()->set_key(key_);
  deps_->kv->Txn(resign, ignore);
}

void Contender::Answer(Result<Ownership> r) {
  if (!done_) return;
  Done<Ownership> done = std::move(done_);
  done_ = nullptr;
  done(std::move(r));
}

// A Lock call: answers when its contender wins, fails or is cancelled.
class LockService::LockReactor final : public grpc::ServerUnaryReactor {
 public:
  LockReactor(const ConcurrencyDeps* deps, Caller caller, const v3lockpb::LockRequest& request,
              v3lockpb::LockResponse* response)
      : response_(response) {
    ContendOptions options;
    options.caller = std::move(caller);
    options.kind = ContendOptions::Kind::kMutex;
    options.name = request.name();
    options.lease = request.lease();
    contender_ = Contender::Start(deps, std::move(options),
                                  [this](Result<Ownership> r) { Answer(std::move(r)); });
  }

  void OnCancel() override { contender_->Cancel(); }
  void OnDone() override { delete this; }

 private:
  // Runs exactly once (the contender's done), so Finish is called once and
  // the reactor lives until then.
  void Answer(Result<Ownership> r) {
    if (!r.ok()) {
      if (r.status().Is(StatusCode::kCancelled)) return Finish(grpc::Status::CANCELLED);
      return Finish(ConcurrencyGrpcStatus(r.status()));
    }
    *response_->mutable_header() = r->header;
    response_->set_key(r->key);
    Finish(grpc::Status::OK);
  }

  v3lockpb::LockResponse* const response_;
  std::shared_ptr<Contender> contender_;
};

grpc::ServerUnaryReactor* LockService::Lock(grpc::CallbackServerContext* context,
                                            const v3lockpb::LockRequest* request,
                                            v3lockpb::LockResponse* response) {
  Caller caller;
  grpc::Status refused = Admit(context, deps_, &caller);
  if (!refused.ok()) {
    auto* reactor = context->DefaultReactor();
    reactor->Finish(refused);
    return reactor;
  }
  return new LockReactor(&deps_, std::move(caller), *request, response);
}

grpc::ServerUnaryReactor* LockService::Unlock(grpc::CallbackServerContext* context,
                                              const v3lockpb::UnlockRequest* request,
                                              v3lockpb::UnlockResponse* response) {
  auto* reactor = context->DefaultReactor();
  Caller caller;
  grpc::Status refused = Admit(context, deps_, &caller);
  if (!refused.ok()) {
    reactor->Finish(refused);
    return reactor;
  }
  etcdserverpb::DeleteRangeRequest del;
  del.set_key(request->key());
  deps_.kv->DeleteRange(caller, del,
                        [reactor, response](Result<etcdserverpb::DeleteRangeResponse> r) {
                          if (!r.ok()) return reactor->Finish(ConcurrencyGrpcStatus(r.status()));
                          *response->mutable_header() = r->header();
                          reactor->Finish(grpc::Status::OK);
                        });
  return reactor;
}

}  // namespace strata::api

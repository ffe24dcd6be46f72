#include "api/election_service.h"

#include "kv/etcd_errors.h"
#include "kv/etcd_ops.h"

namespace strata::api {
namespace {

// Observe reads its watch stream this much at a time.
constexpr size_t kTakeBytes = 256 << 10;

using v3electionpb::LeaderResponse;

grpc::ServerUnaryReactor* Refuse(grpc::CallbackServerContext* context, const grpc::Status& s) {
  auto* reactor = context->DefaultReactor();
  reactor->Finish(s);
  return reactor;
}

grpc::Status MissingLeaderKey() {
  return ConcurrencyGrpcStatus(Status::InvalidArgument(std::string(kErrMissingLeaderKey)));
}

// "Only if key was created at revision": the guard of Proclaim and Resign.
etcdserverpb::Compare StillCreatedAt(const std::string& key, int64_t revision) {
  etcdserverpb::Compare c;
  c.set_key(key);
  c.set_target(etcdserverpb::Compare::CREATE);
  c.set_result(etcdserverpb::Compare::EQUAL);
  c.set_create_revision(revision);
  return c;
}

}  // namespace

// A Campaign call: answers when its contender leads, fails or is cancelled.
class ElectionService::CampaignReactor final : public grpc::ServerUnaryReactor {
 public:
  CampaignReactor(const ConcurrencyDeps* deps, Caller caller,
                  const v3electionpb::CampaignRequest& request,
                  v3electionpb::CampaignResponse* response)
      : response_(response), name_(request.name()) {
    ContendOptions options;
    options.caller = std::move(caller);
    options.kind = ContendOptions::Kind::kElection;
    options.name = request.name();
    options.lease = request.lease();
    options.value = request.value();
    contender_ = Contender::Start(deps, std::move(options),
                                  [this](Result<Ownership> r) { Answer(std::move(r)); });
  }

  void OnCancel() override { contender_->Cancel(); }
  void OnDone() override { delete this; }

 private:
  // Runs exactly once, so the reactor lives until it has finished.
  void Answer(Result<Ownership> r) {
    if (!r.ok()) {
      if (r.status().Is(StatusCode::kCancelled)) return Finish(grpc::Status::CANCELLED);
      return Finish(ConcurrencyGrpcStatus(r.status()));
    }
    *response_->mutable_header() = r->header;
    auto* leader = response_->mutable_leader();
    leader->set_name(name_);
    leader->set_key(r->key);
    leader->set_rev(r->create_revision);
    leader->set_lease(r->lease);
    Finish(grpc::Status::OK);
  }

  v3electionpb::CampaignResponse* const response_;
  const std::string name_;
  std::shared_ptr<Contender> contender_;
};

// The state of one Observe stream (etcd's Election.observe): find the
// leader (or wait for the first candidate), send it, follow its key's puts
// until it is deleted, repeat. Every step runs on the serializer; answers
// leave one write at a time, and the watch stream is read only when the
// previous answers are written, so a slow client holds back the hub's
// bounded queue instead of growing memory here.
class ElectionService::Observer : public std::enable_shared_from_this<Observer> {
 public:
  Observer(const ConcurrencyDeps* deps, Caller caller, std::string prefix,
           grpc::ServerWriteReactor<LeaderResponse>* reactor)
      : deps_(deps), caller_(std::move(caller)), prefix_(std::move(prefix)), reactor_(reactor) {}

  void Start() {
    Step([](Observer* o) { o->FindLeader(); });
  }
  void WriteDone(bool ok) {
    Step([ok](Observer* o) { o->OnWriteDone(ok); });
  }
  void Cancel() {
    Step([](Observer* o) { o->Stop(grpc::Status::CANCELLED); });
  }

 private:
  enum class Phase { kFinding, kAwaitingCandidate, kFollowing };

  // `self` keeps the serializer alive through Post (see Contender::Step).
  template <typename F>
  void Step(F f) {
    std::shared_ptr<Observer> self = shared_from_this();
    serial_.Post([self, f = std::move(f)]() mutable { f(self.get()); });
  }

  void FindLeader() {
    if (stopping_) return;
    phase_ = Phase::kFinding;
    deps_->kv->Range(caller_, FirstCreated(prefix_),
                     [self = shared_from_this()](Result<etcdserverpb::RangeResponse> r) {
                       self->Step([r = std::move(r)](Observer* o) { o->OnLeader(r); });
                     });
  }

  void OnLeader(const Result<etcdserverpb::RangeResponse>& r) {
    if (stopping_) return;
    if (!r.ok()) return Stop(ConcurrencyGrpcStatus(r.status()));
    if (r->kvs().empty()) {
      // No candidate: the first put under the prefix is the next leader.
      phase_ = Phase::kAwaitingCandidate;
      kv::WatchSpec spec;
      spec.key = prefix_;
      spec.range_end = PrefixRangeEnd(prefix_);
      spec.start_revision = r->header().revision();
      spec.no_delete = true;
      return Watch(std::move(spec));
    }
    LeaderResponse answer;
    *answer.mutable_header() = r->header();
    *answer.mutable_kv() = r->kvs(0);
    Send(std::move(answer));
    Follow(r->kvs(0).key(), r->header().revision() + 1);
  }

  void Follow(const std::string& key, int64_t from_revision) {
    phase_ = Phase::kFollowing;
    kv::WatchSpec spec;
    spec.key = key;
    spec.start_revision = from_revision;
    Watch(std::move(spec));
  }

  void Watch(kv::WatchSpec spec) {
    std::weak_ptr<Observer> weak = weak_from_this();
    stream_ = deps_->hub->OpenStream([weak] {
      if (auto o = weak.lock()) o->Step([](Observer* self) { self->Pump(); });
    });
    Result<kv::WatchId> id = stream_->Watch(std::nullopt, std::move(spec));
    if (!id.ok()) Stop(ConcurrencyGrpcStatus(id.status()));
  }

  // Turns watch events into answers while nothing waits to be written.
  void Pump() {
    while (!stopping_ && stream_ && outbox_.empty() && !writing_) {
      std::vector<kv::WatchResponse> responses = stream_->Take(kTakeBytes);
      if (responses.empty()) return;
      for (const kv::WatchResponse& r : responses) {
        if (r.canceled) {
          Status lost = r.compact_revision != 0
                            ? kv::MakeEtcdError(kv::EtcdError::kCompacted)
                            : Status::FailedPrecondition("lost watcher: " + r.cancel_reason);
          return Stop(ConcurrencyGrpcStatus(lost));
        }
        for (const kv::Event& e : r.events) {
          if (!Handle(r, e)) return;  // The watch was replaced.
        }
      }
    }
  }

  // False once the event ended this watch.
  bool Handle(const kv::WatchResponse& r, const kv::Event& e) {
    const bool put = e.type == kv::Event::Type::kPut;
    if (phase_ == Phase::kAwaitingCandidate) {
      if (!put) return true;
      LeaderResponse answer;
      deps_->fill_header(answer.mutable_header());
      // etcd reports the new leader at its own revision.
      answer.mutable_header()->set_revision(e.kv.mod_revision);
      kv::ToProto(e.kv, answer.mutable_kv());
      Send(std::move(answer));
      Follow(e.kv.key, e.kv.mod_revision + 1);
      return false;
    }
    if (!put) {  // The leader is gone: find the next one.
      stream_.reset();
      FindLeader();
      return false;
    }
    LeaderResponse answer;
    deps_->fill_header(answer.mutable_header());
    answer.mutable_header()->set_revision(r.revision);
    kv::ToProto(e.kv, answer.mutable_kv());
    Send(std::move(answer));
    return true;
  }

  void Send(LeaderResponse answer) {
    outbox_.push_back(std::move(answer));
    WriteNext();
  }

  void WriteNext() {
    if (writing_ || outbox_.empty() || reactor_ == nullptr) return;
    current_ = std::move(outbox_.front());
    outbox_.pop_front();
    writing_ = true;
    reactor_->StartWrite(&current_);
  }

  void OnWriteDone(bool ok) {
    writing_ = false;
    if (!ok) return Stop(grpc::Status::CANCELLED);  // The client is gone.
    WriteNext();
    Pump();
    MaybeFinish();
  }

  void Stop(grpc::Status status) {
    if (stopping_) return;
    stopping_ = true;
    final_ = std::move(status);
    stream_.reset();
    outbox_.clear();
    MaybeFinish();
  }

  // Finishes once stopped with no write outstanding; the reactor is not
  // touched afterwards (gRPC deletes it after Finish).
  void MaybeFinish() {
    if (!stopping_ || writing_ || reactor_ == nullptr) return;
    auto* reactor = reactor_;
    reactor_ = nullptr;
    reactor->Finish(final_);
  }

  const ConcurrencyDeps* const deps_;
  const Caller caller_;  // The reads of the leader key are checked as this caller's.
  const std::string prefix_;
  Serializer serial_;
  // Below: touched only by serialized steps.
  grpc::ServerWriteReactor<LeaderResponse>* reactor_;  // Null once finished.
  Phase phase_ = Phase::kFinding;
  std::unique_ptr<kv::WatchStream> stream_;
  std::deque<LeaderResponse> outbox_;
  LeaderResponse current_;  // The write in flight.
  bool writing_ = false;
  bool stopping_ = false;
  grpc::Status final_;
};

class ElectionService::ObserveReactor final : public grpc::ServerWriteReactor<LeaderResponse> {
 public:
  ObserveReactor(const ConcurrencyDeps* deps, Caller caller, const std::string& name)
      : observer_(std::make_shared<Observer>(deps, std::move(caller), name + "/", this)) {
    observer_->Start();
  }
  void OnWriteDone(bool ok) override { observer_->WriteDone(ok); }
  void OnCancel() override { observer_->Cancel(); }
  void OnDone() override { delete this; }

 private:
  std::shared_ptr<Observer> observer_;
};

grpc::ServerUnaryReactor* ElectionService::Campaign(grpc::CallbackServerContext* context,
                                                    const v3electionpb::CampaignRequest* request,
                                                    v3electionpb::CampaignResponse* response) {
  Caller caller;
  grpc::Status refused = Admit(context, deps_, &caller);
  if (!refused.ok()) return Refuse(context, refused);
  return new CampaignReactor(&deps_, std::move(caller), *request, response);
}

grpc::ServerUnaryReactor* ElectionService::Proclaim(grpc::CallbackServerContext* context,
                                                    const v3electionpb::ProclaimRequest* request,
                                                    v3electionpb::ProclaimResponse* response) {
  Caller caller;
  grpc::Status refused = Admit(context, deps_, &caller);
  if (refused.ok() && !request->has_leader()) refused = MissingLeaderKey();
  if (!refused.ok()) return Refuse(context, refused);
  const v3electionpb::LeaderKey& leader = request->leader();
  etcdserverpb::TxnRequest txn;
  *txn.add_compare() = StillCreatedAt(leader.key(), leader.rev());
  auto* put = txn.add_success()->mutable_request_put();
  put->set_key(leader.key());
  put->set_value(request->value());
  // etcd puts with the leader's lease; with none named it would attach a
  // fresh 60 s session lease, Strata keeps the key's own lease instead.
  if (leader.lease() != 0) {
    put->set_lease(leader.lease());
  } else {
    put->set_ignore_lease(true);
  }
  auto* reactor = context->DefaultReactor();
  deps_.kv->Txn(caller, txn, [reactor, response](Result<etcdserverpb::TxnResponse> r) {
    if (!r.ok()) return reactor->Finish(ConcurrencyGrpcStatus(r.status()));
    if (!r->succeeded()) {
      return reactor->Finish(
          ConcurrencyGrpcStatus(Status::FailedPrecondition(std::string(kErrElectionNotLeader))));
    }
    *response->mutable_header() = r->header();
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* ElectionService::Leader(grpc::CallbackServerContext* context,
                                                  const v3electionpb::LeaderRequest* request,
                                                  v3electionpb::LeaderResponse* response) {
  Caller caller;
  grpc::Status refused = Admit(context, deps_, &caller);
  if (!refused.ok()) return Refuse(context, refused);
  auto* reactor = context->DefaultReactor();
  deps_.kv->Range(caller, FirstCreated(request->name() + "/"),
                  [reactor, response](Result<etcdserverpb::RangeResponse> r) {
                    if (!r.ok()) return reactor->Finish(ConcurrencyGrpcStatus(r.status()));
                    if (r->kvs().empty()) {
                      return reactor->Finish(ConcurrencyGrpcStatus(
                          Status::NotFound(std::string(kErrElectionNoLeader))));
                    }
                    *response->mutable_header() = r->header();
                    *response->mutable_kv() = r->kvs(0);
                    reactor->Finish(grpc::Status::OK);
                  });
  return reactor;
}

grpc::ServerWriteReactor<LeaderResponse>* ElectionService::Observe(
    grpc::CallbackServerContext* context, const v3electionpb::LeaderRequest* request) {
  Caller caller;
  grpc::Status refused = Admit(context, deps_, &caller);
  if (!refused.ok()) {
    // A reactor that only finishes.
    class Refused final : public grpc::ServerWriteReactor<LeaderResponse> {
     public:
      explicit Refused(const grpc::Status& s) { Finish(s); }
      void OnDone() override { delete this; }
    };
    return new Refused(refused);
  }
  return new ObserveReactor(&deps_, std::move(caller), request->name());
}

grpc::ServerUnaryReactor* ElectionService::Resign(grpc::CallbackServerContext* context,
                                                  const v3electionpb::ResignRequest* request,
                                                  v3electionpb::ResignResponse* response) {
  Caller caller;
  grpc::Status refused = Admit(context, deps_, &caller);
  if (refused.ok() && !request->has_leader()) refused = MissingLeaderKey();
  if (!refused.ok()) return Refuse(context, refused);
  etcdserverpb::TxnRequest txn;
  *txn.add_compare() = StillCreatedAt(request->leader().key(), request->leader().rev());
  txn.add_success()->mutable_request_delete_range()->set_key(request->leader().key());
  auto* reactor = context->DefaultReactor();
  deps_.kv->Txn(caller, txn, [reactor, response](Result<etcdserverpb::TxnResponse> r) {
    if (!r.ok()) return reactor->Finish(ConcurrencyGrpcStatus(r.status()));
    *response->mutable_header() = r->header();
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

}  // namespace strata::api

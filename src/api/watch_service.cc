#include "api/watch_service.h"

#include <deque>
#include <map>
#include <mutex>

#include "base/thread_name.h"
#include "kv/etcd_errors.h"
#include "kv/etcd_ops.h"

namespace strata::api {
namespace {

constexpr std::string_view kEmptyWatcherRange = "mvcc: watcher range is empty";
constexpr std::string_view kRequireLeaderKey = "hasleader";

void ToProto(const kv::Event& e, mvccpb::Event* out) {
  out->set_type(e.type == kv::Event::Type::kPut ? mvccpb::Event::PUT : mvccpb::Event::DELETE);
  kv::ToProto(e.kv, out->mutable_kv());
  if (e.prev_kv) kv::ToProto(*e.prev_kv, out->mutable_prev_kv());
}

// etcd's request conventions (v3rpc/watch.go): an empty key is "\0", the
// smallest key; a range_end of "\0" means every key from key on.
Result<kv::WatchSpec> SpecFrom(const etcdserverpb::WatchCreateRequest& r) {
  kv::WatchSpec spec;
  spec.key = r.key().empty() ? std::string(1, '\0') : r.key();
  spec.range_end = r.range_end();
  if (!spec.range_end.empty() && spec.range_end != std::string(1, '\0') &&
      spec.key >= spec.range_end) {
    return Status::InvalidArgument(std::string(kEmptyWatcherRange));
  }
  spec.start_revision = r.start_revision();
  spec.prev_kv = r.prev_kv();
  spec.progress_notify = r.progress_notify();
  for (int f : r.filters()) {
    if (f == etcdserverpb::WatchCreateRequest::NOPUT) spec.no_put = true;
    if (f == etcdserverpb::WatchCreateRequest::NODELETE) spec.no_delete = true;
  }
  return spec;
}

}  // namespace

// Reaches a stream's reactor from the hub's thread or the leader monitor
// while the reactor lives; target is cleared (under mu) when it is gone.
struct WatchService::Waker {
  std::mutex mu;
  Reactor* target = nullptr;
  void Wake();
  void NoLeader();
};

// One client stream. Reads requests one at a time and writes responses one
// at a time; the hub wakes it (through a Waker, which outlives the reactor
// safely) when responses are queued.
class WatchService::Reactor final
    : public grpc::ServerBidiReactor<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse> {
 public:
  Reactor(WatchService* service, grpc::CallbackServerContext* context)
      : deps_(&service->deps_), waker_(std::make_shared<Waker>()) {
    waker_->target = this;
    auto it = context->client_metadata().find(std::string(kRequireLeaderKey));
    bool require_leader = it != context->client_metadata().end() && it->second == "true";
    if (require_leader && deps_->has_leader && !deps_->has_leader()) {
      finished_ = true;
      Finish(NoLeaderStatus());
      return;
    }
    if (deps_->auth != nullptr) {
      Result<Caller> caller = deps_->auth->FromGrpc(*context);
      if (!caller.ok()) {
        finished_ = true;
        Finish(grpc::Status(static_cast<grpc::StatusCode>(kv::GrpcCodeOf(caller.status())),
                            caller.status().message()));
        return;
      }
      caller_ = std::move(*caller);
    }
    std::weak_ptr<Waker> weak = waker_;
    stream_ = deps_->hub->OpenStream([weak] {
      if (auto w = weak.lock()) w->Wake();
    });
    if (require_leader) service->RequireLeader(waker_);
    StartRead(&request_);
  }

  // Ends the call with etcd's "no leader" once the write in flight is done.
  void LoseLeader() {
    {
      std::lock_guard lock(mu_);
      lost_leader_ = true;
    }
    Pump();
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // The client closed its side, or the call is gone.
      {
        std::lock_guard lock(mu_);
        reads_done_ = true;
      }
      Pump();
      return;
    }
    Handle(request_);
    StartRead(&request_);
  }

  void OnWriteDone(bool ok) override {
    {
      std::lock_guard lock(mu_);
      writing_ = false;
      if (!ok) reads_done_ = broken_ = true;
    }
    Pump();
  }

  void OnDone() override {
    {
      std::lock_guard lock(waker_->mu);
      waker_->target = nullptr;
    }
    stream_.reset();
    delete this;
  }

 private:
  friend struct WatchService::Waker;

  static grpc::Status NoLeaderStatus() {
    Status no_leader = kv::MakeEtcdError(kv::EtcdError::kNoLeader);
    return grpc::Status(static_cast<grpc::StatusCode>(kv::GrpcCodeOf(no_leader)),
                        no_leader.message());
  }

  void Handle(const etcdserverpb::WatchRequest& request) {
    switch (request.request_union_case()) {
      case etcdserverpb::WatchRequest::kCreateRequest:
        return Create(request.create_request());
      case etcdserverpb::WatchRequest::kCancelRequest: {
        // etcd answers only the cancellation of a watcher that exists.
        (void)stream_->Cancel(request.cancel_request().watch_id());
        return;
      }
      case etcdserverpb::WatchRequest::kProgressRequest:
        return stream_->RequestProgress();
      default:
        return;  // etcd ignores requests it does not know.
    }
  }

  void Create(const etcdserverpb::WatchCreateRequest& request) {
    Result<kv::WatchSpec> spec = SpecFrom(request);
    if (spec.ok() && deps_->auth != nullptr) {
      Status permitted = deps_->auth->store().Permitted(caller_.user, kv::Access::kRead, spec->key,
                                                        spec->range_end);
      if (!permitted.ok()) spec = permitted;
    }
    Status failed;
    if (spec.ok()) {
      spec->fragment = request.fragment();
      std::optional<kv::WatchId> requested;
      if (request.watch_id() != 0) requested = request.watch_id();
      Result<kv::WatchId> id = stream_->Watch(requested, std::move(*spec));
      if (id.ok()) return;
      failed = id.status();
    } else {
      failed = spec.status();
    }
    // etcd answers a watcher it could not create with created and canceled.
    etcdserverpb::WatchResponse refused;
    deps_->fill_header(refused.mutable_header());
    refused.set_watch_id(-1);
    refused.set_created(true);
    refused.set_canceled(true);
    refused.set_cancel_reason(failed.message());
    {
      std::lock_guard lock(mu_);
      outbox_.push_back(std::move(refused));
    }
    Pump();
  }

  // Converts hub responses into etcd messages, fragmenting when asked.
  void Convert(std::vector<kv::WatchResponse> responses) {
    for (kv::WatchResponse& r : responses) {
      etcdserverpb::WatchResponse out;
      deps_->fill_header(out.mutable_header());
      out.mutable_header()->set_revision(r.revision);
      out.set_watch_id(r.watch_id);
      out.set_created(r.created);
      out.set_canceled(r.canceled);
      out.set_compact_revision(r.compact_revision);
      out.set_cancel_reason(r.cancel_reason);
      const bool fragment = r.fragment;
      size_t bytes = 0;
      for (const kv::Event& e : r.events) {
        mvccpb::Event* pe = out.add_events();
        ToProto(e, pe);
        bytes += pe->ByteSizeLong();
        if (fragment && bytes >= deps_->max_response_bytes && &e != &r.events.back()) {
          etcdserverpb::WatchResponse next = out;
          next.clear_events();
          out.set_fragment(true);
          outbox_.push_back(std::move(out));
          out = std::move(next);
          bytes = 0;
        }
      }
      outbox_.push_back(std::move(out));
    }
  }

  // Starts the next write, or finishes the call once the client is gone.
  void Pump() {
    bool finish = false;
    grpc::Status status = grpc::Status::OK;
    {
      std::lock_guard lock(mu_);
      if (writing_ || finished_) return;
      if (lost_leader_) {
        finished_ = finish = true;
        status = NoLeaderStatus();
      } else if (reads_done_ && (broken_ || outbox_.empty())) {
        finished_ = finish = true;
      } else {
        if (outbox_.empty() && stream_) Convert(stream_->Take(deps_->max_response_bytes));
        if (outbox_.empty()) return;
        current_ = std::move(outbox_.front());
        outbox_.pop_front();
        writing_ = true;
      }
    }
    if (finish) {
      Finish(status);
    } else {
      StartWrite(&current_);
    }
  }

  const WatchServiceDeps* const deps_;
  Caller caller_;
  std::shared_ptr<Waker> waker_;
  std::unique_ptr<kv::WatchStream> stream_;
  etcdserverpb::WatchRequest request_;  // Only the gRPC read path touches it.

  std::mutex mu_;
  std::deque<etcdserverpb::WatchResponse> outbox_;  // Guarded by mu_.
  etcdserverpb::WatchResponse current_;             // The write in flight.
  bool writing_ = false;                            // Guarded by mu_.
  bool reads_done_ = false;                         // Guarded by mu_.
  bool broken_ = false;                             // Guarded by mu_.
  bool finished_ = false;                           // Guarded by mu_.
  bool lost_leader_ = false;                        // Guarded by mu_.
};

void WatchService::Waker::Wake() {
  std::lock_guard lock(mu);
  if (target != nullptr) target->Pump();
}

void WatchService::Waker::NoLeader() {
  std::lock_guard lock(mu);
  if (target != nullptr) target->LoseLeader();
}

WatchService::WatchService(WatchServiceDeps deps) : deps_(std::move(deps)) {
  if (deps_.has_leader && deps_.leader_check_interval.count() > 0) {
    monitor_ = std::thread([this] {
      SetThreadName("watch-leader");
      MonitorLeader();
    });
  }
}

WatchService::~WatchService() {
  {
    std::lock_guard lock(monitor_mu_);
    stopping_ = true;
  }
  monitor_wake_.notify_all();
  if (monitor_.joinable()) monitor_.join();
}

void WatchService::RequireLeader(std::weak_ptr<Waker> waker) {
  std::lock_guard lock(monitor_mu_);
  leader_bound_.push_back(std::move(waker));
}

void WatchService::MonitorLeader() {
  std::unique_lock lock(monitor_mu_);
  while (!monitor_wake_.wait_for(lock, deps_.leader_check_interval, [this] { return stopping_; })) {
    std::erase_if(leader_bound_, [](const std::weak_ptr<Waker>& w) { return w.expired(); });
    if (leader_bound_.empty() || deps_.has_leader()) continue;
    std::vector<std::weak_ptr<Waker>> ending = std::move(leader_bound_);
    leader_bound_.clear();
    lock.unlock();
    for (const std::weak_ptr<Waker>& weak : ending) {
      if (auto waker = weak.lock()) waker->NoLeader();
    }
    lock.lock();
  }
}

grpc::ServerBidiReactor<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>*
WatchService::Watch(grpc::CallbackServerContext* context) {
  return new Reactor(this, context);
}

}  // namespace strata::api

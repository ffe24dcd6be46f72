#include "client/watcher.h"

#include "client/convert.h"
#include "client/paging.h"
#include "client/retry.h"
#include "client/text.h"

namespace strata::client::internal {
namespace {

std::string RangeEndFor(std::string_view key, const WatchOptions& options) {
  if (options.prefix) return PrefixEnd(key);
  return options.range_end;
}

// Transport trouble is worth a new stream; a verdict on the watch is not.
bool Reconnectable(const grpc::Status& s) {
  switch (s.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::UNIMPLEMENTED:
    case grpc::StatusCode::OUT_OF_RANGE:
      return false;
    default:
      return true;
  }
}

}  // namespace

Result<std::shared_ptr<Watcher>> Watcher::Start(std::shared_ptr<Core> core, std::string key,
                                                WatchCallback callback, WatchOptions options) {
  const std::string what = "watch " + QuoteKey(key);
  if (key.empty()) return Error(ErrorCode::kInvalidArgument, what + ": empty key");
  if (options.from_revision < 0) {
    return Error(ErrorCode::kInvalidArgument, what + ": negative from_revision");
  }
  if (!callback) return Error(ErrorCode::kInvalidArgument, what + ": no callback");
  const Deadline deadline = core->DeadlineAfter(options.timeout);
  auto w = std::make_shared<Watcher>(std::move(core), std::move(key), std::move(callback), options);
  WatchStream::Handlers h;
  Watcher* self = w.get();
  h.open = [](Endpoint& ep, grpc::ClientContext* ctx) { return ep.watch->Watch(ctx); };
  h.on_open = [self] { self->SendCreate(); };
  h.on_message = [self](const etcdserverpb::WatchResponse& r) { return self->OnResponse(r); };
  h.on_broken = [self](const grpc::Status& s) { return self->OnBroken(s); };
  h.on_end = [self] { self->OnEnd(); };
  w->stream_ = std::make_unique<WatchStream>(w->core_, Route::kAny, std::move(h), "strata-watch");
  w->stream_->Start();
  std::unique_lock lock(w->mu_);
  if (!w->changed_.wait_until(lock, deadline, [&] { return w->created_ || w->ended_; })) {
    lock.unlock();
    w->Stop();
    return Error(ErrorCode::kDeadlineExceeded, what + ": not created before the deadline");
  }
  if (!w->created_) {
    Error e = w->first_error_.value_or(Error(ErrorCode::kInternal, what + ": ended"));
    lock.unlock();
    w->Stop();
    return e;
  }
  return w;
}

Watcher::Watcher(std::shared_ptr<Core> core, std::string key, WatchCallback callback,
                 WatchOptions options)
    : core_(std::move(core)),
      key_(std::move(key)),
      range_end_(RangeEndFor(key_, options)),
      callback_(std::move(callback)),
      next_revision_(options.from_revision) {}

Watcher::~Watcher() { Stop(); }

void Watcher::SendCreate() {
  etcdserverpb::WatchRequest request;
  auto* create = request.mutable_create_request();
  create->set_key(key_);
  create->set_range_end(range_end_);
  // Progress notifications let an idle watch resume past compactions.
  create->set_progress_notify(true);
  {
    std::lock_guard lock(mu_);
    create->set_start_revision(next_revision_);
  }
  (void)stream_->Write(request);  // A failed write breaks the stream; it reopens.
}

bool Watcher::OnResponse(const etcdserverpb::WatchResponse& r) {
  if (r.canceled() || r.compact_revision() > 0) {
    if (r.compact_revision() > 0) {
      Finish(Error(ErrorCode::kCompacted, "watch " + QuoteKey(key_) + ": revision " +
                                              std::to_string(next_revision()) +
                                              " was compacted; the oldest available is " +
                                              std::to_string(r.compact_revision())),
             r.compact_revision());
    } else {
      Finish(Error(ErrorCode::kInvalidArgument,
                   "watch " + QuoteKey(key_) + " cancelled by the cluster: " +
                       (r.cancel_reason().empty() ? "(no reason)" : r.cancel_reason())),
             0);
    }
    return false;
  }
  WatchUpdate update;
  update.revision = r.header().revision();
  {
    std::lock_guard lock(mu_);
    if (r.created() && !created_) {
      created_ = true;
      changed_.notify_all();
    }
    // Without from_revision, the watch starts after the creation's revision.
    if (r.created() && next_revision_ == 0) next_revision_ = r.header().revision() + 1;
    // A progress notification (no events, not a creation) says that every
    // event up to its revision was sent: resume after it.
    if (!r.created() && r.events().empty() && r.header().revision() >= next_revision_) {
      next_revision_ = r.header().revision() + 1;
    }
    for (const auto& ev : r.events()) {
      // A re-created watch starts at next_revision_; older events were delivered.
      if (ev.kv().mod_revision() < next_revision_) continue;
      WatchEvent e;
      e.type =
          ev.type() == mvccpb::Event::DELETE ? WatchEvent::Type::kDelete : WatchEvent::Type::kPut;
      e.kv = FromProto(ev.kv());
      update.events.push_back(std::move(e));
    }
    if (!update.events.empty()) next_revision_ = update.events.back().kv.mod_revision + 1;
  }
  if (!update.events.empty() && !cancelled_) callback_(update);
  return true;
}

bool Watcher::OnBroken(const grpc::Status& s) {
  if (cancelled_) return false;
  if (Reconnectable(s)) return true;
  Finish(ToError(s.error_code(), s.error_message(), "watch " + QuoteKey(key_)), 0);
  return false;
}

void Watcher::OnEnd() {
  if (cancelled_) return;
  {
    std::lock_guard lock(mu_);
    if (ended_) return;
  }
  // Neither cancelled nor ended by the cluster: the client shut down.
  Finish(Error(ErrorCode::kCancelled, "watch " + QuoteKey(key_) + ": the client is shut down"), 0);
}

void Watcher::Finish(Error error, int64_t compact_revision) {
  bool deliver = false;
  {
    std::lock_guard lock(mu_);
    ended_ = true;
    deliver = created_;
    if (!created_) first_error_ = error;
    changed_.notify_all();
  }
  if (deliver && !cancelled_) {
    WatchUpdate update;
    update.error = std::move(error);
    update.compact_revision = compact_revision;
    callback_(update);
  }
}

void Watcher::Cancel() {
  cancelled_ = true;
  if (stream_) stream_->Stop();
}

void Watcher::Stop() {
  std::call_once(stop_once_, [this] {
    Cancel();
    // Not reset: until the thread ends, on_open may still write through stream_.
    if (stream_) stream_->Join();
  });
}

bool Watcher::active() const {
  std::lock_guard lock(mu_);
  return !cancelled_ && !ended_;
}

int64_t Watcher::next_revision() const {
  std::lock_guard lock(mu_);
  return next_revision_;
}

int Watcher::reconnects() const {
  const int opens = stream_ ? stream_->opens() : 0;
  return opens > 0 ? opens - 1 : 0;
}

}  // namespace strata::client::internal

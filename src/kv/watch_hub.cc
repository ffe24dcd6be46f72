#include "kv/watch_hub.h"

#include <algorithm>

#include "base/thread_name.h"
#include "kv/errors.h"

namespace strata::kv {
namespace {

// etcd's message (mvcc/watcher.go), so clients see the same text.
constexpr std::string_view kDuplicateWatchId =
    "mvcc: duplicate watch ID provided on the WatchStream";

// etcd's range_end conventions: empty = one key; otherwise [key, range_end),
// where a range_end of "\0" means no upper bound.
bool InRange(const WatchSpec& spec, const std::string& key) {
  if (spec.range_end.empty()) return key == spec.key;
  if (key < spec.key) return false;
  return spec.range_end == std::string_view("\0", 1) || key < spec.range_end;
}

size_t EventBytes(const Event& e) {
  size_t bytes = 48 + e.kv.key.size() + e.kv.value.size();
  if (e.prev_kv) bytes += e.prev_kv->key.size() + e.prev_kv->value.size();
  return bytes;
}

size_t ResponseBytes(const WatchResponse& r) {
  size_t bytes = 64 + r.cancel_reason.size();
  for (const Event& e : r.events) bytes += EventBytes(e);
  return bytes;
}

bool Passes(const WatchSpec& spec, const Event& e) {
  return !(e.type == Event::Type::kPut ? spec.no_put : spec.no_delete);
}

// Splits history (oldest first) into responses of whole revisions of about
// max_bytes each, filtered for spec; each with its first revision.
std::vector<std::pair<int64_t, WatchResponse>> CutIntoResponses(WatchId id, const WatchSpec& spec,
                                                                const std::vector<Event>& events,
                                                                size_t max_bytes) {
  std::vector<std::pair<int64_t, WatchResponse>> out;
  size_t bytes = 0;
  for (size_t i = 0; i < events.size();) {
    const int64_t revision = events[i].kv.mod_revision;
    if (out.empty() || bytes >= max_bytes) {
      out.emplace_back(revision, WatchResponse{});
      out.back().second.watch_id = id;
      bytes = 0;
    }
    WatchResponse& response = out.back().second;
    response.revision = revision;
    for (; i < events.size() && events[i].kv.mod_revision == revision; ++i) {
      if (!Passes(spec, events[i])) continue;
      bytes += EventBytes(events[i]);
      Event& copy = response.events.emplace_back(events[i]);
      if (!spec.prev_kv) copy.prev_kv.reset();
    }
  }
  std::erase_if(out, [](const auto& r) { return r.second.events.empty(); });
  return out;
}

}  // namespace

struct WatchHub::StreamState {
  std::function<void()> on_ready;
  std::map<WatchId, std::unique_ptr<Watcher>> watchers;
  std::deque<WatchResponse> queue;
  size_t queue_bytes = 0;
  WatchId next_auto_id = 0;
  bool progress_requested = false;
  Clock::time_point last_take = Clock::now();
};

struct WatchHub::Watcher {
  WatchId id = 0;
  StreamState* stream = nullptr;
  WatchSpec spec;
  // Events below this revision are never reported (the start revision).
  int64_t min_revision = 0;
  // Unsynced only: the first revision not yet queued.
  int64_t next_revision = 0;
  bool synced = false;
  // The catch-up thread is reading history for it without the lock.
  bool reading = false;
  // Removed while being read: the catch-up thread deletes it.
  bool removed = false;
  // Set while it lags because its stream was full.
  std::optional<Clock::time_point> behind_since;
  Clock::time_point last_sent = Clock::now();
};

WatchHub::WatchHub(const MvccStore* store, WatchHubOptions options)
    : store_(store), options_(options) {
  STRATA_ASSERT(store_ != nullptr);
  STRATA_ASSERT(options_.catch_up_revisions > 0);
  last_published_ = store_->CurrentRevision();
  next_progress_ = Clock::now() + options_.progress_interval;
  catch_up_ = std::thread([this] {
    SetThreadName("watch-catchup");
    Run();
  });
}

WatchHub::~WatchHub() {
  {
    std::lock_guard lock(mu_);
    STRATA_ASSERT_MSG(streams_.empty(), "WatchHub destroyed with open streams");
    stopping_ = true;
  }
  work_.notify_all();
  catch_up_.join();
}

int64_t WatchHub::last_published() const {
  std::lock_guard lock(mu_);
  return last_published_;
}

size_t WatchHub::watcher_count() const {
  std::lock_guard lock(mu_);
  return synced_.size() + unsynced_.size();
}

void WatchHub::Notify(const std::vector<StreamState*>& wake) {
  // Callbacks run unlocked; copy them first (a stream may close meanwhile,
  // but its owner keeps the callback's target alive until it is destroyed).
  std::vector<std::function<void()>> calls;
  {
    std::lock_guard lock(mu_);
    std::set<StreamState*> unique(wake.begin(), wake.end());
    for (StreamState* s : unique) {
      if (streams_.contains(s) && s->on_ready) calls.push_back(s->on_ready);
    }
  }
  for (auto& call : calls) call();
}

bool WatchHub::Enqueue(StreamState* stream, WatchResponse response, bool force,
                       std::vector<StreamState*>* wake) {
  auto it = stream->watchers.find(response.watch_id);
  if (it != stream->watchers.end()) response.fragment = it->second->spec.fragment;
  size_t bytes = ResponseBytes(response);
  if (!force && !stream->queue.empty() &&
      stream->queue_bytes + bytes > options_.stream_buffer_bytes) {
    return false;
  }
  stream->queue.push_back(std::move(response));
  stream->queue_bytes += bytes;
  wake->push_back(stream);
  return true;
}

bool WatchHub::Deliver(Watcher* w, int64_t revision, const std::vector<Event>& events,
                       std::vector<StreamState*>* wake) {
  if (revision < w->min_revision) return true;
  WatchResponse response;
  response.watch_id = w->id;
  response.revision = revision;
  for (const Event& e : events) {
    if (!InRange(w->spec, e.kv.key) || !Passes(w->spec, e)) continue;
    Event& copy = response.events.emplace_back(e);
    if (!w->spec.prev_kv) copy.prev_kv.reset();
  }
  if (response.events.empty()) return true;
  if (!Enqueue(w->stream, std::move(response), /*force=*/false, wake)) return false;
  w->last_sent = Clock::now();
  return true;
}

void WatchHub::Publish(int64_t revision, const std::vector<Event>& events) {
  std::vector<StreamState*> wake;
  bool fell_behind = false;
  {
    std::lock_guard lock(mu_);
    STRATA_ASSERT_MSG(revision > last_published_, "watch events published out of order");
    last_published_ = revision;
    size_t bytes = 0;
    for (const Event& e : events) bytes += EventBytes(e);
    recent_.push_back(Recent{revision, events, bytes});
    recent_bytes_ += bytes;
    while (recent_.size() > options_.recent_revisions ||
           (recent_.size() > 1 && recent_bytes_ > options_.recent_bytes)) {
      recent_bytes_ -= recent_.front().bytes;
      recent_.pop_front();
    }
    // Watchers interested in at least one of the keys.
    std::vector<Watcher*> interested;
    for (Watcher* w : synced_) {
      for (const Event& e : events) {
        if (InRange(w->spec, e.kv.key)) {
          interested.push_back(w);
          break;
        }
      }
    }
    for (Watcher* w : interested) {
      if (Deliver(w, revision, events, &wake)) continue;
      // Its stream is full: it falls behind and catches up later.
      synced_.erase(w);
      unsynced_.insert(w);
      w->synced = false;
      w->next_revision = revision;
      if (!w->behind_since) w->behind_since = Clock::now();
      fell_behind = true;
    }
  }
  if (fell_behind) work_.notify_one();
  Notify(wake);
}

void WatchHub::Reset() {
  {
    std::lock_guard lock(mu_);
    int64_t had = last_published_;
    last_published_ = store_->CurrentRevision();
    recent_.clear();
    recent_bytes_ = 0;
    for (Watcher* w : synced_) {
      w->synced = false;
      w->next_revision = std::max(had + 1, w->min_revision);
      unsynced_.insert(w);
    }
    synced_.clear();
  }
  work_.notify_one();
}

std::unique_ptr<WatchStream> WatchHub::OpenStream(std::function<void()> on_ready) {
  auto* state = new StreamState();
  state->on_ready = std::move(on_ready);
  std::lock_guard lock(mu_);
  streams_.insert(state);
  return std::unique_ptr<WatchStream>(new WatchStream(this, state));
}

Result<WatchId> WatchHub::AddWatcher(StreamState* stream, std::optional<WatchId> requested,
                                     WatchSpec spec, std::vector<StreamState*>* wake) {
  WatchId id;
  if (requested && *requested != 0) {
    if (stream->watchers.contains(*requested)) {
      return Status::AlreadyExists(std::string(kDuplicateWatchId));
    }
    id = *requested;
  } else {
    while (stream->watchers.contains(stream->next_auto_id)) ++stream->next_auto_id;
    id = stream->next_auto_id++;
  }
  auto w = std::make_unique<Watcher>();
  w->id = id;
  w->stream = stream;
  int64_t current = std::max(last_published_, store_->CurrentRevision());
  w->min_revision = spec.start_revision > 0 ? spec.start_revision : current + 1;
  w->next_revision = w->min_revision;
  w->spec = std::move(spec);
  WatchResponse created;
  created.watch_id = id;
  created.revision = current;
  created.created = true;
  created.fragment = w->spec.fragment;
  Enqueue(stream, std::move(created), /*force=*/true, wake);
  if (w->min_revision > last_published_) {
    w->synced = true;
    synced_.insert(w.get());
  } else {
    unsynced_.insert(w.get());
    work_.notify_one();
  }
  stream->watchers[id] = std::move(w);
  return id;
}

bool WatchHub::RemoveWatcher(StreamState* stream, WatchId id) {
  auto it = stream->watchers.find(id);
  if (it == stream->watchers.end()) return false;
  Watcher* w = it->second.get();
  synced_.erase(w);
  unsynced_.erase(w);
  if (w->reading) {
    w->removed = true;
    w->stream = nullptr;
    it->second.release();  // The catch-up thread deletes it when its read ends.
  }
  stream->watchers.erase(it);
  return true;
}

void WatchHub::Cancel(Watcher* w, WatchResponse response, std::vector<StreamState*>* wake) {
  StreamState* stream = w->stream;
  response.watch_id = w->id;
  response.canceled = true;
  Enqueue(stream, std::move(response), /*force=*/true, wake);
  RemoveWatcher(stream, w->id);
  MaybeAnswerProgress(stream, wake);
}

void WatchHub::MaybeAnswerProgress(StreamState* stream, std::vector<StreamState*>* wake) {
  if (!stream->progress_requested) return;
  for (const auto& [id, w] : stream->watchers) {
    if (!w->synced) return;
  }
  stream->progress_requested = false;
  WatchResponse progress;
  progress.watch_id = kStreamProgressWatchId;
  progress.revision = last_published_;
  Enqueue(stream, std::move(progress), /*force=*/true, wake);
}

bool WatchHub::CatchUpFromRecent(Watcher* w, std::vector<StreamState*>* wake) {
  if (w->next_revision <= last_published_) {
    if (recent_.empty() || w->next_revision < recent_.front().revision) return false;
    for (const Recent& r : recent_) {
      if (r.revision < w->next_revision) continue;
      if (!Deliver(w, r.revision, r.events, wake)) {
        w->next_revision = r.revision;
        return false;
      }
    }
  }
  unsynced_.erase(w);
  synced_.insert(w);
  w->synced = true;
  w->behind_since.reset();
  MaybeAnswerProgress(w->stream, wake);
  return true;
}

void WatchHub::Run() {
  std::unique_lock lock(mu_);
  auto idle = std::min<Clock::duration>({std::chrono::seconds(1), options_.progress_interval / 2,
                                         options_.slow_watcher_cancel_after / 2});
  idle = std::max<Clock::duration>(idle, std::chrono::milliseconds(1));
  while (!stopping_) {
    Clock::time_point now = Clock::now();
    if (now >= next_progress_) {
      std::vector<StreamState*> wake;
      ProgressPass(now, &wake);
      next_progress_ = now + options_.progress_interval;
      lock.unlock();
      Notify(wake);
      lock.lock();
      continue;
    }
    if (CatchUpPass(lock)) continue;
    work_.wait_for(lock, idle);
  }
}

void WatchHub::ProgressPass(Clock::time_point now, std::vector<StreamState*>* wake) {
  for (Watcher* w : synced_) {
    if (!w->spec.progress_notify || now - w->last_sent < options_.progress_interval) continue;
    WatchResponse progress;
    progress.watch_id = w->id;
    progress.revision = last_published_;
    Enqueue(w->stream, std::move(progress), /*force=*/true, wake);
    w->last_sent = now;
  }
}

bool WatchHub::CatchUpPass(std::unique_lock<std::mutex>& lock) {
  std::vector<StreamState*> wake;
  bool progressed = false;
  std::vector<Watcher*> lagging(unsynced_.begin(), unsynced_.end());
  for (Watcher* w : lagging) {
    if (stopping_) break;
    if (!unsynced_.contains(w)) continue;  // Removed or synced meanwhile.
    StreamState* stream = w->stream;
    Clock::time_point now = Clock::now();
    if (!stream->queue.empty() && stream->queue_bytes >= options_.stream_buffer_bytes / 2) {
      // Wait for the client to read; give up on one that stopped reading.
      auto since = std::max(w->behind_since.value_or(now), stream->last_take);
      if (w->behind_since && now - since >= options_.slow_watcher_cancel_after) {
        WatchResponse cancel;
        cancel.cancel_reason = "etcdserver: watcher is too slow: its client read nothing for " +
                               std::to_string(options_.slow_watcher_cancel_after.count()) + " ms";
        Cancel(w, std::move(cancel), &wake);
        progressed = true;
      }
      continue;
    }
    if (CatchUpFromRecent(w, &wake)) {
      progressed = true;
      continue;
    }
    // Read the next window of history without the lock.
    const int64_t from = w->next_revision;
    const int64_t to = from + options_.catch_up_revisions - 1;
    const WatchSpec spec = w->spec;
    w->reading = true;
    lock.unlock();
    Result<EventsResult> history = store_->Events(spec.key, spec.range_end, from, to);
    lock.lock();
    w->reading = false;
    progressed = true;
    if (w->removed) {
      delete w;
      continue;
    }
    if (!history.ok()) {
      if (IsCompactedError(history.status())) {
        WatchResponse compacted;
        compacted.compact_revision = store_->CompactedRevision();
        Cancel(w, std::move(compacted), &wake);
      }
      continue;  // Engine errors: retry on the next pass.
    }
    // Queue the window's events in responses cut at revision boundaries.
    bool stalled = false;
    for (auto& [first_revision, response] :
         CutIntoResponses(w->id, spec, history->events, options_.response_bytes)) {
      if (!Enqueue(stream, std::move(response), /*force=*/false, &wake)) {
        w->next_revision = first_revision;
        stalled = true;
        break;
      }
      w->last_sent = Clock::now();
    }
    if (stalled) continue;
    w->next_revision = history->revision + 1;
    CatchUpFromRecent(w, &wake);
  }
  lock.unlock();
  Notify(wake);
  lock.lock();
  return progressed;
}

// ---- WatchStream ----

WatchStream::~WatchStream() {
  std::lock_guard lock(hub_->mu_);
  std::vector<WatchId> ids;
  for (const auto& [id, w] : state_->watchers) ids.push_back(id);
  for (WatchId id : ids) hub_->RemoveWatcher(state_, id);
  hub_->streams_.erase(state_);
  delete state_;
}

Result<WatchId> WatchStream::Watch(std::optional<WatchId> requested, WatchSpec spec) {
  std::vector<WatchHub::StreamState*> wake;
  std::unique_lock lock(hub_->mu_);
  Result<WatchId> id = hub_->AddWatcher(state_, requested, std::move(spec), &wake);
  lock.unlock();
  hub_->Notify(wake);
  return id;
}

Status WatchStream::Cancel(WatchId id) {
  std::vector<WatchHub::StreamState*> wake;
  {
    std::lock_guard lock(hub_->mu_);
    auto it = state_->watchers.find(id);
    if (it == state_->watchers.end()) {
      return Status::NotFound("no watcher " + std::to_string(id) + " on this stream");
    }
    hub_->Cancel(it->second.get(), WatchResponse{}, &wake);
  }
  hub_->Notify(wake);
  return Status::Ok();
}

void WatchStream::RequestProgress() {
  std::vector<WatchHub::StreamState*> wake;
  {
    std::lock_guard lock(hub_->mu_);
    state_->progress_requested = true;
    hub_->MaybeAnswerProgress(state_, &wake);
  }
  hub_->Notify(wake);
}

std::vector<WatchResponse> WatchStream::Take(size_t max_bytes) {
  std::vector<WatchResponse> out;
  bool room = false;
  {
    std::lock_guard lock(hub_->mu_);
    size_t bytes = 0;
    while (!state_->queue.empty()) {
      size_t b = ResponseBytes(state_->queue.front());
      if (!out.empty() && bytes + b > max_bytes) break;
      bytes += b;
      state_->queue_bytes -= b;
      out.push_back(std::move(state_->queue.front()));
      state_->queue.pop_front();
    }
    state_->last_take = WatchHub::Clock::now();
    room = state_->queue_bytes < hub_->options_.stream_buffer_bytes / 2;
  }
  if (room) hub_->work_.notify_one();
  return out;
}

}  // namespace strata::kv

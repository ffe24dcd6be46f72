// WatchHub: etcd's watch semantics over an MvccStore.
//
// The apply path publishes every committed write transaction (its revision
// and events) to the hub. Clients open WatchStreams; each stream holds any
// number of watchers and one bounded queue of responses for its client.
//
// A watcher is either synced (it has every event up to the last published
// revision, and Publish hands it new events directly) or unsynced (it lags:
// it started in the past, or its stream's queue was full). A background
// thread catches unsynced watchers up, first from a ring of recently
// published revisions and otherwise from the store's history, and then
// syncs them. So a slow client costs a bounded buffer, not unbounded
// memory; a watcher whose history is compacted before it catches up is
// cancelled with compact_revision set, and one whose client reads nothing
// for slow_watcher_cancel_after is cancelled as too slow.
//
// Guarantees per watcher: events in revision order, never repeated, none
// skipped; all events of one revision in one response; a created response
// before any event; a cancel response last.
//
// Thread-safety: all methods are safe from any thread. Publish must be
// called in revision order by one thread (the apply loop). The on_ready
// callback of a stream runs without the hub's lock held.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"
#include "kv/mvcc_store.h"
#include "kv/types.h"

namespace strata::kv {

using WatchId = int64_t;

// etcd's stream-wide progress notifications carry this id.
constexpr WatchId kStreamProgressWatchId = -1;

struct WatchSpec {
  // The watched keys, with etcd's range_end conventions (see MvccStore::Range).
  std::string key;
  std::string range_end;
  // First revision to report. Default: 0, the next revision committed.
  int64_t start_revision = 0;
  // Report the previous key-value with each event. Default: false.
  bool prev_kv = false;
  // Filters: drop puts / deletes. Default: report both.
  bool no_put = false;
  bool no_delete = false;
  // Send a progress notification (no events) when nothing happened for a
  // progress interval. Default: false.
  bool progress_notify = false;
  // The client accepts large responses split into fragments; copied onto
  // every response of the watcher for the API layer. Default: false.
  bool fragment = false;
};

// One message for the client.
struct WatchResponse {
  WatchId watch_id = 0;
  // The store revision the response reflects (etcd's header revision).
  int64_t revision = 0;
  std::vector<Event> events;
  bool created = false;
  bool canceled = false;
  // Set on a watcher cancelled because the history it needs is compacted.
  int64_t compact_revision = 0;
  std::string cancel_reason;
  // The watcher's WatchSpec::fragment.
  bool fragment = false;
};

struct WatchHubOptions {
  // A stream's queue holds responses up to this many bytes (always at least
  // one); a watcher whose events do not fit falls behind and catches up
  // later. Default: 16 MiB.
  size_t stream_buffer_bytes = 16 << 20;
  // Catch-up reads the store's history this many revisions at a time, and
  // cuts responses at revision boundaries near response_bytes. Defaults:
  // 1,000 revisions, 1 MiB.
  int64_t catch_up_revisions = 1000;
  size_t response_bytes = 1 << 20;
  // Recently published revisions kept in memory for catch-up. Defaults:
  // 1,024 revisions, at most 8 MiB.
  size_t recent_revisions = 1024;
  size_t recent_bytes = 8 << 20;
  // Period of progress notifications (etcd's default is 10 minutes).
  std::chrono::milliseconds progress_interval{10 * 60 * 1000};
  // A watcher that fell behind because its stream was full is cancelled if
  // its client takes nothing for this long. Default: 60 s.
  std::chrono::milliseconds slow_watcher_cancel_after{60 * 1000};
};

class WatchStream;

class WatchHub {
 public:
  // store is not owned and must outlive the hub. Starts the catch-up thread.
  explicit WatchHub(const MvccStore* store, WatchHubOptions options = {});
  // Stops the catch-up thread. REQUIRES: every stream was destroyed.
  ~WatchHub();
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // The write transaction at `revision` committed with these events.
  // REQUIRES: revisions strictly increase; the store already shows them.
  void Publish(int64_t revision, const std::vector<Event>& events);
  // The store's state was replaced (a snapshot was installed): every
  // watcher catches up from the store's history again.
  void Reset();

  // Opens a stream; on_ready runs whenever responses become available to
  // Take (it may run spuriously; it must not block).
  std::unique_ptr<WatchStream> OpenStream(std::function<void()> on_ready);

  // Revision of the last published transaction.
  int64_t last_published() const;
  // Number of live watchers (for metrics and tests).
  size_t watcher_count() const;

 private:
  friend class WatchStream;
  struct Watcher;
  struct StreamState;
  struct Recent {
    int64_t revision;
    std::vector<Event> events;
    size_t bytes;
  };
  using Clock = std::chrono::steady_clock;

  // All REQUIRE mu_ held. `wake` collects streams to notify after unlocking.
  Result<WatchId> AddWatcher(StreamState* stream, std::optional<WatchId> requested, WatchSpec spec,
                             std::vector<StreamState*>* wake);
  bool RemoveWatcher(StreamState* stream, WatchId id);
  // Queues a response on the stream; false if it does not fit.
  bool Enqueue(StreamState* stream, WatchResponse response, bool force,
               std::vector<StreamState*>* wake);
  // Delivers revision's events to w if they pass its filters. False if the
  // stream was full (w then falls behind).
  bool Deliver(Watcher* w, int64_t revision, const std::vector<Event>& events,
               std::vector<StreamState*>* wake);
  // Catches w up from the recent ring if it covers w's gap; true if w is
  // synced afterwards.
  bool CatchUpFromRecent(Watcher* w, std::vector<StreamState*>* wake);
  void Cancel(Watcher* w, WatchResponse response, std::vector<StreamState*>* wake);
  void MaybeAnswerProgress(StreamState* stream, std::vector<StreamState*>* wake);
  void Notify(const std::vector<StreamState*>& wake);

  // Catch-up thread.
  void Run();
  // One pass over unsynced watchers; returns whether more work is waiting.
  bool CatchUpPass(std::unique_lock<std::mutex>& lock);
  void ProgressPass(Clock::time_point now, std::vector<StreamState*>* wake);

  const MvccStore* const store_;
  const WatchHubOptions options_;

  mutable std::mutex mu_;
  std::condition_variable work_;
  bool stopping_ = false;
  int64_t last_published_ = 0;
  std::deque<Recent> recent_;
  size_t recent_bytes_ = 0;
  std::set<StreamState*> streams_;
  std::set<Watcher*> synced_;
  std::set<Watcher*> unsynced_;
  Clock::time_point next_progress_;
  std::thread catch_up_;
};

// A client's watch stream: its watchers and its queue of responses.
class WatchStream {
 public:
  // Cancels every watcher (without responses) and leaves the hub.
  ~WatchStream();
  WatchStream(const WatchStream&) = delete;
  WatchStream& operator=(const WatchStream&) = delete;

  // Creates a watcher and queues its created response. `requested` (etcd's
  // client-chosen watch_id, when non-zero) names it; otherwise the stream
  // picks the lowest unused id from 0 up. Errors: kAlreadyExists for a
  // duplicate id; CompactedError() is NOT returned: a compacted start
  // revision gives a created response followed by a compacted cancel.
  Result<WatchId> Watch(std::optional<WatchId> requested, WatchSpec spec);
  // Cancels a watcher and queues its cancel response. Errors: kNotFound.
  Status Cancel(WatchId id);
  // Queues a stream-wide progress notification (watch id -1) at the last
  // published revision, as soon as every watcher of the stream is synced.
  void RequestProgress();

  // Removes and returns the queued responses, oldest first, up to about
  // max_bytes (at least one if any is queued).
  std::vector<WatchResponse> Take(size_t max_bytes);

 private:
  friend class WatchHub;
  WatchStream(WatchHub* hub, WatchHub::StreamState* state) : hub_(hub), state_(state) {}
  WatchHub* const hub_;
  WatchHub::StreamState* const state_;
};

}  // namespace strata::kv

// Watches: a callback gets every change of a key (or of a range or prefix)
// in revision order, from a chosen revision on.
//
//   auto w = client.watch("jobs/", [](const WatchUpdate& u) {
//     for (const WatchEvent& e : u.events) Handle(e);
//     if (u.error) Report(*u.error);  // the watch has ended
//   }, {.prefix = true});
//
// The watch survives member failures: it remembers the revision after the
// last event it delivered and re-creates itself there on another member,
// so the callback sees each event exactly once, in order, with no gap. If
// that revision was compacted meanwhile (or from_revision already was), the
// callback gets one last update with error kCompacted and compact_revision
// set, and the watch ends.
//
// Thread-safety: thread-safe. The callback runs on the watch's own thread,
// one update at a time. cancel() may be called from the callback; the
// destructor cancels and joins the thread.
// REQUIRES: a Watch is not destroyed from its own callback.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/result.h"
#include "strata/types.h"

namespace strata::client {

class Client;
namespace internal {
class Watcher;
}

struct WatchEvent {
  enum class Type { kPut, kDelete };
  Type type = Type::kPut;
  // The key's new state; for a delete, the key with mod_revision set to the
  // deletion's revision (value empty, version 0).
  KeyValue kv{};
};

// What the callback gets: events of one or more revisions, or the end.
struct WatchUpdate {
  std::vector<WatchEvent> events{};  // In revision order; empty with error.
  int64_t revision = 0;              // The store's revision when sent.
  // Set once, in the last update: why the watch ended (kCompacted,
  // kInvalidArgument, kPermissionDenied..., kCancelled when the Client
  // shut down). Not set for cancel().
  std::optional<Error> error{};
  // With kCompacted: the oldest revision still available.
  int64_t compact_revision = 0;
};

using WatchCallback = std::function<void(const WatchUpdate&)>;

struct WatchOptions {
  // Watch every key that starts with the key. Default: false.
  bool prefix = false;
  // Watch [key, range_end) instead (when not prefix). Default: the key alone.
  std::string range_end{};
  // First revision to deliver. 0: changes after the watch is created.
  int64_t from_revision = 0;
  // Deadline for the first creation. 0: ClientOptions::default_timeout.
  std::chrono::milliseconds timeout{0};
};

class Watch {
 public:
  Watch(Watch&&) noexcept;
  Watch& operator=(Watch&&) noexcept;
  ~Watch();

  // Stops delivering and closes the stream (without waiting). A callback
  // already running, or just about to start, may still complete; the
  // destructor waits for it. Idempotent; safe from the callback.
  void cancel();
  // True until cancelled or ended by an error.
  bool active() const;
  // The next revision the watch will deliver (the last delivered + 1).
  int64_t next_revision() const;
  // Times the watch was re-created after its stream broke.
  int reconnects() const;
  // The member ("host:port") the watch's stream is open on; "" while it
  // reconnects.
  std::string endpoint() const;

 private:
  friend class Client;
  explicit Watch(std::shared_ptr<internal::Watcher> watcher);
  std::shared_ptr<internal::Watcher> watcher_;
};

}  // namespace strata::client

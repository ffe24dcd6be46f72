// HistoryWriter: how a chaos driver records a history file.
//
// Each client thread is a process (any int64 id). For every request:
// Invoke() just before sending it, then exactly one of Ok() when a reply
// came, Fail() when the op certainly did not take effect, or Info() when the
// outcome is unknown (deadline exceeded, connection lost). The process may
// invoke again after any of them. Times come from one clock for the whole
// file; the default is std::chrono::steady_clock in nanoseconds.
//
// Every line is flushed as written, so a driver that crashes keeps its
// history up to the crash.
//
// Thread-safety: safe for concurrent use by many threads; each line is
// written whole. The clock is read before taking the lock.
#pragma once

#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>

#include "base/status.h"
#include "tools/check/event.h"

namespace strata::check {

class HistoryWriter {
 public:
  // Nanoseconds on a clock that never goes back.
  using Clock = std::function<int64_t()>;

  // Writes to `out`, which must outlive the writer. An empty clock means
  // steady_clock.
  explicit HistoryWriter(std::ostream* out, Clock clock = {});

  // Creates (or truncates) the file at `path`. Errors: kIOError.
  static Result<std::unique_ptr<HistoryWriter>> Create(const std::string& path, Clock clock = {});

  // Records that `process` sends `call`, stamped with the clock's time.
  // Errors (for this and the other writers): kInvalidArgument for text that
  // is not UTF-8 (encode binary keys and values first), kIOError when the
  // stream failed.
  Status Invoke(int64_t process, const Call& call);
  // The reply to `call` came and said `reply`.
  Status Ok(int64_t process, const Call& call, const Reply& reply);
  // The op certainly did not take effect (rejected before it could apply).
  Status Fail(int64_t process, const Call& call, std::string_view error);
  // The outcome is unknown: it may take effect at any later time, or never.
  Status Info(int64_t process, const Call& call, std::string_view error);

  // Writes `e` as given, its time included.
  Status Write(const Event& e);

 private:
  Status Stamp(int64_t process, EventType type, const Call& call, const Reply& reply,
               std::string_view error);

  std::unique_ptr<std::ofstream> owned_;  // Set by Create().
  std::ostream* out_;
  Clock clock_;
  std::mutex mu_;  // Guards writes to *out_.
};

}  // namespace strata::check

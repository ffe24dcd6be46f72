// Timelines: time-ordered messages under a key, built on the key-value
// operations (layout in docs/timelines.md).
//
// A timeline holds messages ordered by (timestamp, id). Message ids are
// unique within a timeline: an append with a used id is refused, checked
// atomically with the write. Statistics (count, bytes, first and last
// timestamp) live in one key updated in the same Txn as every append, so
// they are exact under concurrent appends.
//
// Thread-safety: like Client (share one Timelines between threads).
#pragma once

#include <cstdint>
#include <future>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/result.h"
#include "strata/types.h"

namespace strata::client {

namespace internal {
class Core;
}

struct Message {
  std::string id{};       // Unique within the timeline; any bytes, not empty.
  int64_t timestamp = 0;  // The caller's unit (microseconds since the epoch, say).
  std::string payload{};
  bool operator==(const Message&) const = default;
};

// A message and the timeline it came from (query_many).
struct TimelineMessage {
  std::string timeline{};
  Message message{};
};

struct TimelineStats {
  int64_t count = 0;
  int64_t bytes = 0;            // Sum of payload sizes.
  int64_t first_timestamp = 0;  // Smallest timestamp; 0 when count is 0.
  int64_t last_timestamp = 0;   // Largest timestamp; 0 when count is 0.
};

enum class Order { kAscending, kDescending };

// Query windows are half-open, [from_time, to_time); kEndOfTime as to_time
// includes every later timestamp (kEndOfTime itself too).
inline constexpr int64_t kBeginningOfTime = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kEndOfTime = std::numeric_limits<int64_t>::max();

class Timelines {
 public:
  explicit Timelines(std::shared_ptr<internal::Core> core);

  // Creates an empty timeline. kAlreadyExists if it exists.
  Result<WriteResult> create_timeline(std::string_view key, const WriteOptions& options = {});
  std::future<Result<WriteResult>> create_timeline_async(std::string key,
                                                         WriteOptions options = {});

  // Adds a message (any timestamp: appends need not come in time order).
  // kNotFound if the timeline does not exist; kAlreadyExists if the id is
  // used. Concurrent appends to one timeline are all applied (each retries
  // its Txn when another append won the race for the stats key). Safe to
  // retry after an unknown outcome: the id makes it idempotent.
  Result<WriteResult> append(std::string_view key, const Message& message,
                             const WriteOptions& options = {});
  std::future<Result<WriteResult>> append_async(std::string key, Message message,
                                                WriteOptions options = {});

  // Messages with from_time <= timestamp < to_time, in time order (or its
  // reverse), at most `limit` (0: all). kNotFound if there is no such timeline.
  Result<std::vector<Message>> query(std::string_view key, int64_t from_time, int64_t to_time,
                                     int64_t limit = 0, Order order = Order::kAscending,
                                     const ReadOptions& options = {});
  std::future<Result<std::vector<Message>>> query_async(std::string key, int64_t from_time,
                                                        int64_t to_time, int64_t limit = 0,
                                                        Order order = Order::kAscending,
                                                        ReadOptions options = {});

  // The first `limit` (0: all) messages of the window across several
  // timelines, merged in (timestamp, id, timeline) order, read at one
  // revision. Timelines that do not exist contribute nothing.
  Result<std::vector<TimelineMessage>> query_many(const std::vector<std::string>& keys,
                                                  int64_t from_time, int64_t to_time,
                                                  int64_t limit = 0,
                                                  const ReadOptions& options = {});
  std::future<Result<std::vector<TimelineMessage>>> query_many_async(std::vector<std::string> keys,
                                                                     int64_t from_time,
                                                                     int64_t to_time,
                                                                     int64_t limit = 0,
                                                                     ReadOptions options = {});

  // Count, bytes and time span of the timeline. kNotFound if it does not exist.
  Result<TimelineStats> timeline_stats(std::string_view key, const ReadOptions& options = {});
  std::future<Result<TimelineStats>> timeline_stats_async(std::string key,
                                                          ReadOptions options = {});

 private:
  std::shared_ptr<internal::Core> core_;
};

}  // namespace strata::client

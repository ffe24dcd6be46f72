// The asynchronous forms of Timelines' operations: each runs the blocking
// form on the client's pool, holding a copy of the Timelines (and so the core).
#include "client/core.h"
#include "strata/timeline.h"

namespace strata::client {

std::future<Result<WriteResult>> Timelines::create_timeline_async(std::string key,
                                                                  WriteOptions options) {
  return core_->Async<WriteResult>([self = *this, key = std::move(key), options]() mutable {
    return self.create_timeline(key, options);
  });
}

std::future<Result<WriteResult>> Timelines::append_async(std::string key, Message message,
                                                         WriteOptions options) {
  return core_->Async<WriteResult>(
      [self = *this, key = std::move(key), message = std::move(message), options]() mutable {
        return self.append(key, message, options);
      });
}

std::future<Result<std::vector<Message>>> Timelines::query_async(std::string key, int64_t from_time,
                                                                 int64_t to_time, int64_t limit,
                                                                 Order order, ReadOptions options) {
  return core_->Async<std::vector<Message>>(
      [self = *this, key = std::move(key), from_time, to_time, limit, order, options]() mutable {
        return self.query(key, from_time, to_time, limit, order, options);
      });
}

std::future<Result<std::vector<TimelineMessage>>> Timelines::query_many_async(
    std::vector<std::string> keys, int64_t from_time, int64_t to_time, int64_t limit,
    ReadOptions options) {
  return core_->Async<std::vector<TimelineMessage>>(
      [self = *this, keys = std::move(keys), from_time, to_time, limit, options]() mutable {
        return self.query_many(keys, from_time, to_time, limit, options);
      });
}

std::future<Result<TimelineStats>> Timelines::timeline_stats_async(std::string key,
                                                                   ReadOptions options) {
  return core_->Async<TimelineStats>([self = *this, key = std::move(key), options]() mutable {
    return self.timeline_stats(key, options);
  });
}

}  // namespace strata::client

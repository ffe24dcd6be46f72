// The threads that run the client's *_async calls: a fixed pool with a
// bounded queue. A call that does not fit in the queue fails at once.
//
// The last owner of a client may be a task (a future's work holding the
// last reference), so Stop works from a pool thread too: it then leaves the
// threads to finish on their own instead of joining itself.
//
// Thread-safety: thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace strata::client::internal {

class Executor {
 public:
  // threads and max_queued below 1 count as 1.
  Executor(int threads, int max_queued);
  ~Executor();  // Stop().
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Queues task; false (task dropped) when the queue is full or after Stop.
  bool Submit(std::function<void()> task);
  // Stops taking tasks and runs those queued; returns when every thread is
  // done (except the caller's own, when called from a task). Idempotent.
  void Stop();

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::function<void()>> queue;
    size_t max_queued = 1;
    bool stopping = false;
    std::vector<std::thread::id> ids;
  };
  static void Work(const std::shared_ptr<State>& state);

  std::shared_ptr<State> state_;
  std::mutex threads_mu_;
  std::vector<std::thread> threads_;
};

}  // namespace strata::client::internal

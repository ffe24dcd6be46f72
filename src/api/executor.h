// Executor: a fixed set of worker threads running submitted tasks in FIFO
// order. The API layer runs reads here, off the raft loop thread.
//
// Thread-safety: submit() is safe from any thread. The destructor runs the
// tasks already queued, then joins the workers.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace strata::api {

class Executor {
 public:
  // REQUIRES: threads > 0.
  explicit Executor(int threads);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  void submit(std::function<void()> task);

 private:
  void work();

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace strata::api

#include "api/executor.h"

#include "base/thread_name.h"

#include "base/assert.h"

namespace strata::api {

Executor::Executor(int threads) {
  STRATA_ASSERT(threads > 0);
  for (int i = 0; i < threads; ++i) {
    workers_.emplace_back([this] {
      SetThreadName("executor");
      work();
    });
  }
}

Executor::~Executor() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void Executor::submit(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
  }
  wake_.notify_one();
}

void Executor::work() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // Stopping with nothing left.
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace strata::api

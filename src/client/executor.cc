#include "client/executor.h"

#include <algorithm>

namespace strata::client::internal {

Executor::Executor(int threads, int max_queued) : state_(std::make_shared<State>()) {
  state_->max_queued = static_cast<size_t>(std::max(1, max_queued));
  std::lock_guard lock(state_->mu);
  for (int i = 0; i < std::max(1, threads); ++i) {
    threads_.emplace_back([s = state_] { Work(s); });
    state_->ids.push_back(threads_.back().get_id());
  }
}

Executor::~Executor() { Stop(); }

bool Executor::Submit(std::function<void()> task) {
  {
    std::lock_guard lock(state_->mu);
    if (state_->stopping || state_->queue.size() >= state_->max_queued) return false;
    state_->queue.push_back(std::move(task));
  }
  state_->cv.notify_one();
  return true;
}

void Executor::Stop() {
  bool on_pool_thread = false;
  {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
    const auto& ids = state_->ids;
    on_pool_thread = std::find(ids.begin(), ids.end(), std::this_thread::get_id()) != ids.end();
  }
  state_->cv.notify_all();
  std::lock_guard threads_lock(threads_mu_);
  if (on_pool_thread) {
    // The threads own the state; they drain the queue and exit by themselves.
    for (auto& t : threads_) t.detach();
  } else {
    for (auto& t : threads_) t.join();
  }
  threads_.clear();
}

void Executor::Work(const std::shared_ptr<State>& state) {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(state->mu);
      state->cv.wait(lock, [&] { return state->stopping || !state->queue.empty(); });
      if (state->queue.empty()) return;  // Stopping, and nothing left to run.
      task = std::move(state->queue.front());
      state->queue.pop_front();
    }
    task();
  }
}

}  // namespace strata::client::internal

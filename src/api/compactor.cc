#include "api/compactor.h"

#include <spdlog/spdlog.h>

namespace strata::api {

Compactor::Compactor(kv::Applier* applier, const kv::MvccStore* store)
    : applier_(applier), store_(store), thread_([this] { run(); }) {}

Compactor::~Compactor() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  for (auto& done : waiters_) done(Status::Cancelled("server is stopping"));
}

void Compactor::kick() {
  {
    std::lock_guard lock(mu_);
    kicked_ = true;
  }
  wake_.notify_all();
}

void Compactor::when_done(std::function<void(Status)> done) {
  {
    std::lock_guard lock(mu_);
    if (kicked_ || store_->CompactionPending()) {
      waiters_.push_back(std::move(done));
      kicked_ = true;
      wake_.notify_all();
      return;
    }
  }
  done(Status::Ok());
}

void Compactor::run() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || kicked_; });
      if (stopping_) return;
      kicked_ = false;
    }
    Status s = applier_->RunCompaction();
    if (!s.ok()) spdlog::error("background compaction failed: {}", s.ToString());
    std::vector<std::function<void(Status)>> waiters;
    {
      std::lock_guard lock(mu_);
      // A compaction applied during this pass gets a pass of its own first.
      if (kicked_) continue;
      waiters.swap(waiters_);
    }
    for (auto& done : waiters) done(s);
  }
}

}  // namespace strata::api

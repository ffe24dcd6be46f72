// Compactor: drops compacted MVCC history on a background thread, so that
// applying a Compact request costs the raft loop one small write, not a
// pass over the history. Requests with `physical` wait for it.
//
// Thread-safety: all methods are safe from any thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "base/status.h"
#include "kv/applier.h"
#include "kv/mvcc_store.h"

namespace strata::api {

class Compactor {
 public:
  // Neither owned; both must outlive the compactor.
  Compactor(kv::Applier* applier, const kv::MvccStore* store);
  // Finishes the pass in progress (compaction resumes after a restart).
  ~Compactor();
  Compactor(const Compactor&) = delete;
  Compactor& operator=(const Compactor&) = delete;

  // A compaction was applied: start dropping history.
  void kick();
  // Runs `done` once no compacted history is left to drop (at once if none
  // is), with the outcome of the last pass.
  void when_done(std::function<void(Status)> done);

 private:
  void run();

  kv::Applier* const applier_;
  const kv::MvccStore* const store_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool kicked_ = false;
  bool stopping_ = false;
  std::vector<std::function<void(Status)>> waiters_;
  std::thread thread_;
};

}  // namespace strata::api

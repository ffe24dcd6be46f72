#include "client/executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

namespace strata::client::internal {
namespace {

TEST(ExecutorTest, RunsEveryQueuedTaskBeforeStopReturns) {
  std::atomic<int> ran{0};
  Executor e(2, 1000);
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(e.Submit([&] { ++ran; }));
  e.Stop();
  EXPECT_EQ(ran.load(), 500);
  EXPECT_FALSE(e.Submit([] {})) << "no tasks after Stop";
}

TEST(ExecutorTest, FullQueueRefuses) {
  // Declared before the executor, so that they outlive its worker (which
  // the executor's destructor joins).
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::promise<void> started;
  Executor e(1, 2);
  ASSERT_TRUE(e.Submit([&] {
    started.set_value();
    gate.wait();
  }));
  started.get_future().wait();  // The only thread is busy now.
  EXPECT_TRUE(e.Submit([] {}));
  EXPECT_TRUE(e.Submit([] {}));
  EXPECT_FALSE(e.Submit([] {}));
  release.set_value();
}

TEST(ExecutorTest, CanBeDestroyedByItsOwnTask) {
  auto owner = std::make_shared<std::unique_ptr<Executor>>(std::make_unique<Executor>(2, 10));
  std::promise<void> done;
  Executor* e = owner->get();
  ASSERT_TRUE(e->Submit([owner, &done]() mutable {
    owner->reset();  // The last owner lets go from inside the pool.
    done.set_value();
  }));
  owner.reset();
  done.get_future().wait();
}

}  // namespace
}  // namespace strata::client::internal

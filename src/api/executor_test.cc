#include "api/executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <vector>

namespace strata::api {
namespace {

using namespace std::chrono_literals;

TEST(ExecutorTest, RunsEveryTaskAndTheQueueBeforeStopping) {
  std::atomic<int> ran{0};
  {
    Executor executor(2);
    for (int i = 0; i < 1000; ++i) executor.submit([&] { ++ran; });
  }
  EXPECT_EQ(ran.load(), 1000);
}

TEST(ExecutorTest, OneWorkerRunsTasksInSubmissionOrder) {
  std::mutex mu;
  std::vector<int> order;
  {
    Executor executor(1);
    for (int i = 0; i < 100; ++i) {
      executor.submit([&, i] {
        std::lock_guard lock(mu);
        order.push_back(i);
      });
    }
  }
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
}

// An awake worker takes short backlogs itself, but a backlog behind a task
// that does not end must reach the other worker.
TEST(ExecutorTest, ABacklogBehindABlockedWorkerWakesAnother) {
  constexpr int kTasks = 16;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> blocked;
  std::atomic<int> ran{0};
  std::promise<void> all_ran;
  // Declared after what its tasks use, so its workers stop first.
  Executor executor(2);
  executor.submit([&blocked, released] {
    blocked.set_value();
    released.wait();
  });
  blocked.get_future().wait();
  for (int i = 0; i < kTasks; ++i) {
    executor.submit([&] {
      if (++ran == kTasks) all_ran.set_value();
    });
  }
  EXPECT_EQ(all_ran.get_future().wait_for(20s), std::future_status::ready);
  release.set_value();
}

}  // namespace
}  // namespace strata::api

// Optimistic transactions against a real 3-member cluster: snapshot reads,
// buffered writes, conflicts, rollback, and run_transaction under
// contention (concurrent counter increments end at the exact total).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "strata/client.h"
#include "tests/integration/harness.h"

namespace strata::testing {
namespace {

using client::Client;
using client::ErrorCode;
using client::Result;
using client::Transaction;

class ClientTxnTest : public SharedClusterTest {
 protected:
  static void SetUpTestSuite() {
    SharedClusterTest::SetUpTestSuite();
    if (HasFatalFailure()) return;
    client::ClientOptions options;
    for (int i = 0; i < 3; ++i) options.endpoints.push_back(cluster_->member(i).client_endpoint());
    auto c = Client::Connect(options);
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    client_ = std::move(c).value().release();
  }
  static void TearDownTestSuite() {
    delete client_;
    client_ = nullptr;
    SharedClusterTest::TearDownTestSuite();
  }
  static Client* client_;
};

Client* ClientTxnTest::client_ = nullptr;

TEST_F(ClientTxnTest, ReadsSeeOwnWritesAndCommitAppliesAllAtOnce) {
  ASSERT_TRUE(client_->put("txn/a", "1").ok());
  Transaction t = client_->begin_transaction();
  auto a = t.get("txn/a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(**a, "1");
  EXPECT_GT(t.read_revision(), 0);
  EXPECT_FALSE(t.get("txn/none")->has_value());
  t.put("txn/a", "2");
  t.put("txn/b", "new");
  t.remove("txn/gone");
  EXPECT_EQ(**t.get("txn/a"), "2") << "a transaction reads its own writes";
  EXPECT_EQ(client_->get("txn/a")->value, "1") << "nothing is sent before commit";
  auto done = t.commit();
  ASSERT_TRUE(done.ok()) << done.error().ToString();
  EXPECT_EQ(client_->get("txn/a")->value, "2");
  EXPECT_EQ(client_->get("txn/b")->mod_revision, done->revision);
  EXPECT_EQ(client_->get("txn/a")->mod_revision, done->revision) << "one revision: one Txn";
  EXPECT_EQ(t.commit().error().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(ClientTxnTest, ConflictWhenAReadKeyChangedAndNothingIsWritten) {
  ASSERT_TRUE(client_->put("txn/c", "1").ok());
  Transaction t = client_->begin_transaction();
  ASSERT_TRUE(t.get("txn/c").ok());
  ASSERT_TRUE(client_->put("txn/c", "other").ok());  // Someone else, between read and commit.
  t.put("txn/d", "written?");
  auto r = t.commit();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kConflict);
  EXPECT_NE(r.error().message().find("txn/c"), std::string::npos) << r.error().message();
  EXPECT_EQ(client_->get("txn/d").error().code(), ErrorCode::kNotFound);
}

TEST_F(ClientTxnTest, AbsentKeyThatAppearsConflicts) {
  Transaction t = client_->begin_transaction();
  ASSERT_FALSE(t.get("txn/appears")->has_value());
  ASSERT_TRUE(client_->put("txn/appears", "x").ok());
  t.put("txn/e", "y");
  EXPECT_EQ(t.commit().error().code(), ErrorCode::kConflict);
}

TEST_F(ClientTxnTest, ReadsShareOneSnapshot) {
  ASSERT_TRUE(client_->put("txn/s1", "old").ok());
  ASSERT_TRUE(client_->put("txn/s2", "old").ok());
  Transaction t = client_->begin_transaction();
  ASSERT_EQ(**t.get("txn/s1"), "old");
  ASSERT_TRUE(client_->put("txn/s2", "new").ok());
  EXPECT_EQ(**t.get("txn/s2"), "old") << "the second read sees the first read's snapshot";
}

TEST_F(ClientTxnTest, RollbackWritesNothing) {
  Transaction t = client_->begin_transaction();
  t.put("txn/rolled", "x");
  t.rollback();
  EXPECT_EQ(t.commit().error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(client_->get("txn/rolled").error().code(), ErrorCode::kNotFound);
  auto async = client_->begin_transaction();
  async.put("txn/async", "1");
  EXPECT_TRUE(async.commit_async().get().ok());
  auto reader = client_->begin_transaction();
  EXPECT_EQ(*reader.get_async("txn/async").get().value(), "1");
}

TEST_F(ClientTxnTest, ConcurrentIncrementsEndAtTheExactTotal) {
  constexpr int kThreads = 8;
  constexpr int kIncrements = 25;
  std::atomic<int> attempts{0};
  auto increment = [&](Transaction& t) -> Result<void> {
    ++attempts;
    auto v = t.get("txn/counter");
    if (!v.ok()) return v.error();
    const int n = v->has_value() ? std::stoi(**v) : 0;
    t.put("txn/counter", std::to_string(n + 1));
    return {};
  };
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < kIncrements; ++k) {
        auto r = client_->run_transaction(increment, /*max_retries=*/1000);
        if (!r.ok()) {
          ++failures;
          ADD_FAILURE() << r.error().ToString();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(client_->get("txn/counter")->value, std::to_string(kThreads * kIncrements));
  std::printf("%d increments took %d attempts (the rest were conflicts)\n", kThreads * kIncrements,
              attempts.load());

  // The async form, and transfers that must keep a sum.
  std::vector<std::future<Result<client::WriteResult>>> futures;
  for (int i = 0; i < 20; ++i) futures.push_back(client_->run_transaction_async(increment, 1000));
  for (auto& f : futures) EXPECT_TRUE(f.get().ok());
  EXPECT_EQ(client_->get("txn/counter")->value, std::to_string(kThreads * kIncrements + 20));
}

TEST_F(ClientTxnTest, TransfersKeepTheSum) {
  constexpr int kAccounts = 4;
  for (int i = 0; i < kAccounts; ++i) {
    ASSERT_TRUE(client_->put("bank/" + std::to_string(i), "100").ok());
  }
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      for (int k = 0; k < 15; ++k) {
        const std::string from = "bank/" + std::to_string((w + k) % kAccounts);
        const std::string to = "bank/" + std::to_string((w + k + 1) % kAccounts);
        auto r = client_->run_transaction(
            [&](Transaction& t) -> Result<void> {
              auto a = t.get(from);
              auto b = t.get(to);
              if (!a.ok()) return a.error();
              if (!b.ok()) return b.error();
              t.put(from, std::to_string(std::stoi(**a) - 7));
              t.put(to, std::to_string(std::stoi(**b) + 7));
              return {};
            },
            1000);
        EXPECT_TRUE(r.ok()) << r.error().ToString();
      }
    });
  }
  for (auto& t : threads) t.join();
  auto all = client_->multi_get({"bank/0", "bank/1", "bank/2", "bank/3"});
  ASSERT_TRUE(all.ok());
  int sum = 0;
  for (const auto& v : all->values) sum += std::stoi(v->value);
  EXPECT_EQ(sum, 100 * kAccounts);
}

TEST_F(ClientTxnTest, FunctionErrorsAbortWithoutRetry) {
  int calls = 0;
  auto r = client_->run_transaction([&](Transaction&) -> Result<void> {
    ++calls;
    return client::Error(ErrorCode::kInvalidArgument, "no thanks");
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace strata::testing

// Failover of client requests: the member the client talks to is killed
// (SIGKILL) under load; reads carry on, writes carry on after the election,
// no acknowledged write is lost, and no write fails without saying whether
// it may have been applied. Discovery from one seed, and status of a
// cluster with a dead member.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "strata/client.h"
#include "tests/integration/harness.h"

namespace strata::testing {
namespace {

using namespace std::chrono_literals;
using client::Client;
using client::ErrorCode;

// Patient retries: the assertions are about outcomes, not speed.
std::unique_ptr<Client> ConnectTo(std::vector<std::string> endpoints) {
  client::ClientOptions options;
  options.endpoints = std::move(endpoints);
  options.retry.max_attempts = 40;
  options.default_timeout = 20s;
  auto c = Client::Connect(options);
  EXPECT_TRUE(c.ok()) << c.error().ToString();
  return c.ok() ? std::move(c).value() : nullptr;
}

std::vector<std::string> AllEndpoints(const Cluster& c) {
  std::vector<std::string> out;
  for (int i = 0; i < c.size(); ++i) out.push_back(c.member(i).client_endpoint());
  return out;
}

TEST(ClientFailoverTest, KillingTheMemberTheClientTalksToInterruptsNothingAcknowledged) {
  Cluster c(3);
  ASSERT_TRUE(c.StartAll()) << c.LogTail(0);
  const int leader = c.WaitLeader();
  ASSERT_GE(leader, 0);
  auto client = ConnectTo(AllEndpoints(c));
  ASSERT_TRUE(client->put("fo/read", "stable").ok());
  ASSERT_TRUE(WaitFor([&] {
    return client->leader_endpoint() == c.member(leader).client_endpoint();
  })) << "writes go to the leader: "
      << client->leader_endpoint();

  std::atomic<bool> stop{false}, killed{false};
  std::atomic<int> read_failures{0}, reads_after_kill{0}, writes_after_kill{0};
  std::atomic<int> unknown_outcomes{0}, wrong_errors{0};
  std::mutex mu;
  std::set<std::string> acked;
  std::vector<std::thread> threads;
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      while (!stop) {
        auto got = client->get("fo/read");
        if (!got.ok() || got->value != "stable") {
          ++read_failures;
          ADD_FAILURE() << (got.ok() ? got->value : got.error().ToString());
        } else if (killed) {
          ++reads_after_kill;
        }
      }
    });
  }
  threads.emplace_back([&] {
    for (int n = 0; !stop; ++n) {
      const std::string key = "fo/w/" + std::to_string(n);
      auto put = client->put(key, "v");
      if (put.ok()) {
        std::lock_guard lock(mu);
        acked.insert(key);
        if (killed) ++writes_after_kill;
      } else if (put.error().maybe_applied()) {
        // Allowed: the member died holding it.
        if (++unknown_outcomes <= 5)
          std::printf("unknown outcome: %s\n", put.error().ToString().c_str());
      } else {
        ++wrong_errors;
        ADD_FAILURE() << put.error().ToString();
      }
    }
  });
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard lock(mu);
    return acked.size() >= 100;
  }));
  c.Stop(leader, /*hard=*/true);
  killed = true;
  EXPECT_TRUE(WaitFor([&] { return writes_after_kill >= 100 && reads_after_kill >= 100; }, 60s));
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(read_failures.load(), 0);
  EXPECT_EQ(wrong_errors.load(), 0);
  std::printf("after the kill: %d reads, %d writes; %d writes with unknown outcome\n",
              reads_after_kill.load(), writes_after_kill.load(), unknown_outcomes.load());

  const int new_leader = c.WaitLeader();
  ASSERT_GE(new_leader, 0);
  EXPECT_NE(new_leader, leader);
  // The client looks the leader up lazily, when calls need it: keep calling.
  EXPECT_TRUE(WaitFor([&] {
    EXPECT_TRUE(client->get("fo/read").ok());
    return client->leader_endpoint() == c.member(new_leader).client_endpoint();
  })) << "the client follows the new leader "
      << c.member(new_leader).client_endpoint() << ", not " << client->leader_endpoint();
  std::set<std::string> stored;
  for (auto it = client->scan("fo/w/", "fo/w0"); it.Valid(); it.Next()) stored.insert(it.kv().key);
  EXPECT_TRUE(std::includes(stored.begin(), stored.end(), acked.begin(), acked.end()))
      << stored.size() << " stored, " << acked.size() << " acknowledged";
}

TEST(ClientFailoverTest, OneSeedIsEnoughAndItsDeathIsSurvived) {
  Cluster c(3);
  ASSERT_TRUE(c.StartAll()) << c.LogTail(0);
  const int leader = c.WaitLeader();
  ASSERT_GE(leader, 0);
  const int seed = (leader + 1) % 3;
  auto client = ConnectTo({c.member(seed).client_endpoint()});
  EXPECT_EQ(client->endpoints().size(), 3u) << "the others were discovered";
  ASSERT_TRUE(client->put("seed/k", "v").ok());

  c.Stop(seed, /*hard=*/true);
  // Serializable reads go to the current endpoint, the dead seed: they move on.
  auto r = client->get("seed/k", {.consistency = client::Consistency::kSerializable});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(r->value, "v");
  EXPECT_TRUE(client->put("seed/k2", "v").ok());

  auto status = client->status();
  ASSERT_TRUE(status.ok()) << status.error().ToString();
  EXPECT_EQ(status->members.size(), 3u);
  int unreachable = 0;
  for (const auto& st : status->statuses) unreachable += st.reachable ? 0 : 1;
  EXPECT_EQ(unreachable, 1);
  EXPECT_NE(status->leader_id, 0u);
  EXPECT_GT(status->revision, 0);
}

TEST(ClientFailoverTest, WithoutDiscoveryOnlyTheSeedsAreUsed) {
  Cluster c(3);
  ASSERT_TRUE(c.StartAll()) << c.LogTail(0);
  client::ClientOptions options;
  options.endpoints = {c.member(0).client_endpoint()};
  options.discover_members = false;
  auto client = Client::Connect(options);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->endpoints().size(), 1u);
  EXPECT_TRUE((*client)->put("nodisc/k", "v").ok());
}

}  // namespace
}  // namespace strata::testing

// The chaos runner's own checks must be able to fail: a stale read in a
// history is a violation, a write missing from the members is lost, and the
// fault switch really cuts a member off (and healing brings it back).
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <sstream>

#include "tests/chaos/chaos_cluster.h"
#include "tests/chaos/final_check.h"
#include "tests/integration/harness.h"

namespace strata::chaos {
namespace {

using check::Call;
using check::Reply;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ChaosSelfTest, CheckerFindsAStaleReadInTheHistoryFile) {
  char tmpl[] = "/tmp/strata-chaos-self-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string path = dir + "/history.jsonl";
  int64_t now = 0;
  {
    auto writer = check::HistoryWriter::Create(path, [&] { return now += 10; });
    ASSERT_TRUE(writer.ok());
    const Call first = Call::Put("k", "p1-1");
    const Call second = Call::Put("k", "p1-2");
    const Call read = Call::Get("k");
    ASSERT_TRUE((*writer)->Invoke(1, first).ok());
    ASSERT_TRUE((*writer)->Ok(1, first, Reply::Put()).ok());
    ASSERT_TRUE((*writer)->Invoke(1, second).ok());
    ASSERT_TRUE((*writer)->Ok(1, second, Reply::Put()).ok());
    ASSERT_TRUE((*writer)->Invoke(2, read).ok());
    ASSERT_TRUE((*writer)->Ok(2, read, Reply::Get("p1-1", 1)).ok());
  }
  std::ostringstream log;
  Result<Linearizability> verdict = CheckLinearizable(path, &log);
  ASSERT_TRUE(verdict.ok()) << verdict.status().ToString();
  EXPECT_EQ(verdict->violations, 1) << log.str();
  EXPECT_EQ(verdict->ops, 3);
  std::filesystem::remove_all(dir);
}

grpc::Status Put(ChaosCluster& c, int slot, const std::string& key) {
  etcdserverpb::PutRequest request;
  request.set_key(key);
  request.set_value("v");
  etcdserverpb::PutResponse response;
  grpc::ClientContext ctx;
  SetTimeout(&ctx, std::chrono::milliseconds(5000));
  return c.stubs(slot).kv->Put(&ctx, request, &response);
}

TEST(ChaosSelfTest, CountLostSeesAnAcknowledgedWriteThatIsGone) {
  ChaosCluster c(3);
  ASSERT_TRUE(c.Start().ok());
  const int leader = c.WaitLeader();
  ASSERT_GE(leader, 0);
  const std::vector<std::string> acked = {"log/a", "log/b", "log/c"};
  for (const std::string& key : acked) ASSERT_TRUE(Put(c, leader, key).ok());
  // CountLost reads each member alone: it judges a converged cluster.
  ASSERT_TRUE(c.WaitCaughtUp().ok());
  std::ostringstream log;
  Result<int64_t> none = CountLost(&c, "log/", acked, &log);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(*none, 0) << log.str();

  etcdserverpb::DeleteRangeRequest request;
  request.set_key("log/b");
  etcdserverpb::DeleteRangeResponse response;
  grpc::ClientContext ctx;
  SetTimeout(&ctx, std::chrono::milliseconds(5000));
  ASSERT_TRUE(c.stubs(leader).kv->DeleteRange(&ctx, request, &response).ok());
  ASSERT_TRUE(c.WaitCaughtUp().ok());
  Result<int64_t> lost = CountLost(&c, "log/", acked, &log);
  ASSERT_TRUE(lost.ok()) << lost.status().ToString();
  EXPECT_EQ(*lost, 1) << log.str();
  EXPECT_NE(log.str().find("lacks log/b"), std::string::npos) << log.str();
}

TEST(ChaosSelfTest, FaultSwitchCutsAFollowerOffUntilHealed) {
  ChaosCluster c(3);
  ASSERT_TRUE(c.Start().ok());
  const int leader = c.WaitLeader();
  ASSERT_GE(leader, 0);
  const int follower = (leader + 1) % 3;
  std::map<int, std::set<int>> blocked;
  for (int slot = 0; slot < 3; ++slot) {
    if (slot == follower) continue;
    blocked[follower].insert(slot);
    blocked[slot] = {follower};
  }
  ASSERT_TRUE(c.Block(blocked).ok());
  // The other two still commit; the follower hears nothing of it.
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(Put(c, c.WaitLeader(), "cut/" + std::to_string(i)).ok());
  }
  EXPECT_FALSE(c.WaitCaughtUp(seconds(3)).ok()) << "the cut-off follower caught up";
  ASSERT_TRUE(c.HealNetwork().ok());
  Status caught_up = c.WaitCaughtUp(seconds(60));
  EXPECT_TRUE(caught_up.ok()) << caught_up.ToString();
  Status same = c.WaitSameHash(seconds(60));
  EXPECT_TRUE(same.ok()) << same.ToString();
}

// Slows every member with slow(slot, at_least, at_least + 20 ms), then
// checks that five puts each take at least `at_least`, and that after
// healing the members catch up and agree.
void EveryPutTakesAtLeast(ChaosCluster& c,
                          const std::function<Status(int, milliseconds, milliseconds)>& slow,
                          milliseconds at_least, milliseconds each_slowed_by,
                          const std::string& prefix) {
  for (int slot = 0; slot < 3; ++slot) {
    ASSERT_TRUE(slow(slot, each_slowed_by, each_slowed_by + milliseconds(20)).ok());
  }
  for (int i = 0; i < 5; ++i) {
    const int leader = c.WaitLeader();
    ASSERT_GE(leader, 0);
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(Put(c, leader, prefix + std::to_string(i)).ok());
    EXPECT_GE(std::chrono::steady_clock::now() - start, at_least) << "put " << i;
  }
  ASSERT_TRUE(c.HealNetwork().ok());
  Status caught_up = c.WaitCaughtUp(seconds(60));
  EXPECT_TRUE(caught_up.ok()) << caught_up.ToString();
  Status same = c.WaitSameHash(seconds(60));
  EXPECT_TRUE(same.ok()) << same.ToString();
}

// A commit needs a message to a follower and its answer back, each held
// back at its receiver: with every member delaying by at least 100 ms, no
// put is acknowledged in under 200 ms. Healing makes them fast again, and
// the members still agree.
TEST(ChaosSelfTest, DelayedMessagesSlowEveryCommitUntilHealed) {
  ChaosCluster c(3);
  ASSERT_TRUE(c.Start().ok());
  ASSERT_GE(c.WaitLeader(), 0);
  EXPECT_FALSE(c.Delay(0, milliseconds(5), milliseconds(1)).ok()) << "min above max is refused";
  EveryPutTakesAtLeast(
      c, [&](int slot, milliseconds lo, milliseconds hi) { return c.Delay(slot, lo, hi); },
      milliseconds(200), milliseconds(100), "slow/");
}

// Every commit waits for a quorum's synced log writes: with every member's
// stalled by at least 100 ms, no put is acknowledged in under 100 ms.
TEST(ChaosSelfTest, SlowDisksSlowEveryCommitUntilHealed) {
  ChaosCluster c(3);
  ASSERT_TRUE(c.Start().ok());
  ASSERT_GE(c.WaitLeader(), 0);
  EXPECT_FALSE(c.SlowDisk(0, milliseconds(5), milliseconds(1)).ok()) << "min above max";
  EveryPutTakesAtLeast(
      c, [&](int slot, milliseconds lo, milliseconds hi) { return c.SlowDisk(slot, lo, hi); },
      milliseconds(100), milliseconds(100), "slow-disk/");
}

}  // namespace
}  // namespace strata::chaos

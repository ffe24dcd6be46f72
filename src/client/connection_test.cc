// Routing decisions of Connection, without any server: channels are
// created lazily by gRPC and never used here.
#include "client/connection.h"

#include <gtest/gtest.h>

namespace strata::client::internal {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<Connection> Make(std::vector<std::string> seeds, bool discover = true,
                                 std::chrono::milliseconds refresh = 0ms) {
  auto factory = [](const std::string& target) {
    return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  };
  return std::make_unique<Connection>(seeds, factory, refresh, discover);
}

TEST(ConnectionTest, StickyUntilFailureThenRotates) {
  auto c = Make({"a:1", "b:1", "c:1"});
  EXPECT_EQ(c->Pick(Route::kAny)->target, "a:1");
  EXPECT_EQ(c->Pick(Route::kAny)->target, "a:1");
  c->ReportFailure(c->Pick(Route::kAny));
  EXPECT_EQ(c->Pick(Route::kAny)->target, "b:1");
  // A failure report about an endpoint no longer current changes nothing.
  c->ReportFailure(c->ForTarget("a:1"));
  EXPECT_EQ(c->Pick(Route::kAny)->target, "b:1");
}

TEST(ConnectionTest, LeaderBoundCallsGoToTheLeaderUntilItFails) {
  auto c = Make({"a:1", "b:1", "c:1"});
  c->Update({{1, {"a:1"}}, {2, {"b:1"}}, {3, {"c:1"}}}, 3, 5);
  EXPECT_EQ(c->Pick(Route::kLeader)->target, "c:1");
  EXPECT_EQ(c->Pick(Route::kAny)->target, "a:1");
  EXPECT_FALSE(c->BeginLeaderRefresh()) << "the leader is known";
  c->ReportFailure(c->Pick(Route::kLeader));
  EXPECT_EQ(c->LeaderTarget(), "");
  EXPECT_EQ(c->Pick(Route::kLeader)->target, "a:1");
  ASSERT_TRUE(c->BeginLeaderRefresh());
  EXPECT_FALSE(c->BeginLeaderRefresh()) << "one look-up at a time";
  c->EndLeaderRefresh();
}

TEST(ConnectionTest, ANewerTermMakesTheLeaderSuspect) {
  auto c = Make({"a:1", "b:1"});
  c->Update({{1, {"a:1"}}, {2, {"b:1"}}}, 2, 7);
  c->ObserveTerm(7);
  EXPECT_EQ(c->LeaderTarget(), "b:1") << "same term, same leader";
  c->ObserveTerm(8);
  EXPECT_EQ(c->LeaderTarget(), "");
  EXPECT_TRUE(c->BeginLeaderRefresh());
  c->EndLeaderRefresh();
}

TEST(ConnectionTest, RefreshesAreRateLimited) {
  auto c = Make({"a:1"}, true, 1h);
  EXPECT_TRUE(c->BeginLeaderRefresh());  // The first is never held back.
  c->EndLeaderRefresh();
  EXPECT_FALSE(c->BeginLeaderRefresh());
}

TEST(ConnectionTest, DiscoveryAddsAndDropsMembersButKeepsSeeds) {
  auto c = Make({"a:1"});
  c->Update({{1, {"a:1"}}, {2, {"b:1"}}, {3, {"c:1"}}}, 2, 1);
  EXPECT_EQ(c->Targets(), (std::vector<std::string>{"a:1", "b:1", "c:1"}));
  EXPECT_EQ(c->LeaderTarget(), "b:1");
  c->Update({{2, {"b:1"}}, {4, {"d:1"}}}, 4, 1);
  EXPECT_EQ(c->Targets(), (std::vector<std::string>{"a:1", "b:1", "d:1"}));
  EXPECT_EQ(c->LeaderTarget(), "d:1");
}

TEST(ConnectionTest, WithoutDiscoveryOnlySeedsAreUsed) {
  auto c = Make({"a:1", "b:1"}, /*discover=*/false);
  c->Update({{1, {"a:1"}}, {2, {"b:1"}}, {3, {"c:1"}}}, 3, 1);
  EXPECT_EQ(c->Targets(), (std::vector<std::string>{"a:1", "b:1"}));
  EXPECT_EQ(c->LeaderTarget(), "") << "the leader is not among the endpoints";
  EXPECT_EQ(c->Pick(Route::kLeader)->target, "a:1");
}

}  // namespace
}  // namespace strata::client::internal

#include "api/auth_tokens.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "kv/etcd_errors.h"

namespace strata::api {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

bool IsInvalidToken(const Result<std::string>& r) {
  return !r.ok() && r.status().message() == "etcdserver: invalid auth token";
}

TEST(AuthTokensTest, TokenNamesItsPrefixAndIndex) {
  std::string prefix = AuthTokens::NewPrefix();
  ASSERT_EQ(prefix.size(), 16u);
  for (char c : prefix) EXPECT_TRUE(c >= 'a' && c <= 'z') << prefix;
  EXPECT_NE(prefix, AuthTokens::NewPrefix());
  EXPECT_EQ(AuthTokens::TokenAt("abc", 42), "abc.42");
}

TEST(AuthTokensTest, AssignedTokenResolvesToItsUser) {
  AuthTokens tokens;
  tokens.Assign("abc.7", "alice");
  tokens.Applied(7);
  Result<std::string> user = tokens.Resolve("abc.7");
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  EXPECT_EQ(*user, "alice");
}

TEST(AuthTokensTest, MalformedTokensAreInvalidAtOnce) {
  AuthTokens tokens(seconds(300), seconds(60));
  for (const char* token : {"", "nodot", "abc.", "abc.x1", "abc.-3", "abc.12x"}) {
    EXPECT_TRUE(IsInvalidToken(tokens.Resolve(token))) << token;
  }
}

TEST(AuthTokensTest, UnknownTokenOfAnAppliedIndexIsInvalidWithoutWaiting) {
  AuthTokens tokens(seconds(300), seconds(60));
  tokens.Applied(10);
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(IsInvalidToken(tokens.Resolve("abc.9")));
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(30));
}

// A member behind the one that handled the login waits for it to apply.
TEST(AuthTokensTest, TokenFromALoginNotYetAppliedWaitsForIt) {
  AuthTokens tokens(seconds(300), seconds(60));
  tokens.Applied(4);
  auto resolved = std::async(std::launch::async, [&] { return tokens.Resolve("abc.5"); });
  EXPECT_EQ(resolved.wait_for(milliseconds(50)), std::future_status::timeout);
  tokens.Assign("abc.5", "bob");
  tokens.Applied(5);
  Result<std::string> user = resolved.get();
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  EXPECT_EQ(*user, "bob");
}

TEST(AuthTokensTest, WaitForAnIndexNeverAppliedIsBounded) {
  AuthTokens tokens(seconds(300), milliseconds(20));
  EXPECT_TRUE(IsInvalidToken(tokens.Resolve("abc.1000")));
}

TEST(AuthTokensTest, DroppedUsersAndClearedTokensNoLongerResolve) {
  AuthTokens tokens;
  tokens.Applied(3);
  tokens.Assign("a.1", "alice");
  tokens.Assign("b.2", "bob");
  tokens.Assign("c.3", "alice");
  tokens.DropUser("alice");
  EXPECT_TRUE(IsInvalidToken(tokens.Resolve("a.1")));
  EXPECT_TRUE(IsInvalidToken(tokens.Resolve("c.3")));
  EXPECT_TRUE(tokens.Resolve("b.2").ok());
  tokens.Clear();
  EXPECT_TRUE(IsInvalidToken(tokens.Resolve("b.2")));
}

}  // namespace
}  // namespace strata::api
